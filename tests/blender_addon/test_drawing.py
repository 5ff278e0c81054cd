"""The landmark dots of the portrait preview."""
import numpy as np

from blender_addon.logic.drawing import blender_rows, draw_dots, preview_size


def test_dots_land_on_their_pixels_counted_from_the_top():
    image = np.zeros((10, 20, 4), np.float32)
    painted = draw_dots(image, np.array([[3.0, 2.0], [25.0, 1.0]]), radius=0)
    assert painted[2, 3, 0] == 1.0 and painted.sum(axis=2).astype(bool).sum() == 1  # the outside one is skipped
    assert image.sum() == 0  # the original is untouched
    assert blender_rows(painted)[7, 3, 0] == 1.0  # Blender's rows run bottom-up
    assert preview_size((1280, 720)) == (256, 144) and preview_size((100, 50)) == (100, 50)
