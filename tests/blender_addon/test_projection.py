"""Projection of world points to render pixels, checked against a pinhole camera worked by hand."""
import numpy as np

from blender_addon.logic.projection import pixel_rays, project_points, render_size


def perspective(focal_px: float, size: tuple[int, int], near: float = 0.1, far: float = 100.0) -> np.ndarray:
    """A camera-to-clip matrix (camera looks down -z) for a focal length in pixels."""
    width, height = size
    return np.array([[2 * focal_px / width, 0, 0, 0], [0, 2 * focal_px / height, 0, 0],
                     [0, 0, -(far + near) / (far - near), -2 * far * near / (far - near)], [0, 0, -1, 0]])


def test_points_land_where_a_pinhole_camera_puts_them():
    size, focal = (640, 480), 800.0
    view = np.eye(4)
    view[:3, 3] = [0.0, 0.0, -2.0]  # the camera sits at z = +2 looking at the origin
    points = np.array([[0.0, 0.0, 0.0], [0.1, 0.0, 0.0], [0.0, 0.2, 0.0], [0.1, -0.1, 1.0]])
    pixels, in_front = project_points(points, view, perspective(focal, size), size)
    depth = 2.0 - points[:, 2]
    expected = np.stack([320 + focal * points[:, 0] / depth, 240 - focal * points[:, 1] / depth], axis=1)
    np.testing.assert_allclose(pixels, expected, atol=1e-3)
    assert in_front.all()


def test_points_behind_the_camera_are_flagged():
    view = np.eye(4)
    _, in_front = project_points(np.array([[0, 0, -1.0], [0, 0, 1.0]]), view, perspective(500, (100, 100)), (100, 100))
    assert in_front.tolist() == [True, False]


def test_the_ray_through_a_pixel_passes_through_the_point_seen_there():
    size = (320, 240)
    view = np.eye(4)
    view[:3, 3] = [0.2, -0.1, -3.0]
    projection = perspective(400, size)
    points = np.array([[0.3, 0.25, 0.4], [-0.5, 0.1, -0.2]])
    pixels = project_points(points, view, projection, size)[0]
    origins, directions = pixel_rays(pixels, view, projection, size)
    for point, origin, direction in zip(points, origins, directions):
        along = origin + direction * np.dot(point - origin, direction)
        np.testing.assert_allclose(along, point, atol=1e-4)
    assert render_size(1920, 1080, 50) == (960, 540)
