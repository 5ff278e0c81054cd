import pytest
import torch

from talking_heads import devices
from talking_heads.errors import InputError

CPU = torch.device("cpu")


@pytest.fixture()
def fresh_probe():
    devices.cpu_has_native_bfloat16.cache_clear()
    yield
    devices.cpu_has_native_bfloat16.cache_clear()


@pytest.mark.parametrize("native, expected", [(True, torch.bfloat16), (False, torch.float32)])
def test_auto_precision_on_the_cpu_follows_native_bfloat16(monkeypatch, native, expected):
    monkeypatch.setattr(devices, "cpu_has_native_bfloat16", lambda: native)
    assert devices.resolve_precision("auto", CPU) is expected
    assert devices.resolve_precision("float32", CPU) is torch.float32  # an explicit choice is kept


def test_auto_precision_on_gpus_is_half(monkeypatch):
    monkeypatch.setattr(devices, "cpu_has_native_bfloat16", lambda: True)
    assert devices.resolve_precision("auto", torch.device("cuda")) is torch.float16


def test_precision_errors_are_clear():
    with pytest.raises(InputError, match="float16 is not supported on the CPU"):
        devices.resolve_precision("float16", CPU)
    with pytest.raises(InputError, match="unknown precision 'half'"):
        devices.resolve_precision("half", CPU)


@pytest.mark.skipif(not devices.cpu_flags(), reason="no /proc/cpuinfo flags on this system")
def test_the_probe_agrees_with_the_cpu_flags(fresh_probe):
    native = bool(devices.cpu_flags() & (devices.NATIVE_BFLOAT16_FLAGS | {"amx_tile"}))
    assert devices.cpu_has_native_bfloat16() == (native and torch.backends.mkldnn.is_available())


@pytest.mark.parametrize("flags, expected", [({"avx512f", "avx512_bf16"}, True), ({"amx_bf16"}, True),
                                             ({"avx512f", "avx2"}, False)])
def test_without_torchs_probe_the_cpu_flags_decide(monkeypatch, fresh_probe, flags, expected):
    for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        monkeypatch.delattr(torch.cpu, name, raising=False)
    monkeypatch.setattr(devices, "cpu_flags", lambda: flags)
    assert devices.cpu_has_native_bfloat16() is expected
