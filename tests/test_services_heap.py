"""The OpenSearch heap scripts/services.py gives each profile: sized from the machine's
memory for `dev` (what scripts/up.sh starts), fixed and small for the tests'."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GIB = 2**30


@pytest.fixture(scope="module")
def services():
    spec = importlib.util.spec_from_file_location("services_script", ROOT / "scripts/services.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def heap_options(service) -> tuple[str, str]:
    found = re.fullmatch(r"-Xms(\d+m) -Xmx(\d+m)", service.java_opts)
    assert found, service.java_opts
    return found.group(1), found.group(2)


@pytest.mark.parametrize(
    ("memory", "heap"),
    [(1 * GIB, 512), (2 * GIB, 512), (8 * GIB, 2048), (24 * GIB, 6144), (256 * GIB, 31 * 1024)],
)
def test_the_heap_is_a_quarter_of_memory_between_512_mib_and_31_gib(services, memory, heap):
    assert services.opensearch_heap_mb(memory) == heap


def test_the_machine_memory_is_at_most_what_the_kernel_says_it_has(services):
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    memory = services.machine_memory()
    assert 0 < memory <= total
    limit = Path("/sys/fs/cgroup/memory.max")
    if limit.exists() and limit.read_text().strip().isdigit():
        assert memory == min(total, int(limit.read_text()))
    else:
        assert memory == total


def test_the_dev_opensearch_gets_its_heap_from_the_memory_and_the_tests_one_512_mib(services):
    heap = f"{services.opensearch_heap_mb(services.machine_memory())}m"
    assert heap_options(services.OpenSearch("dev", "dev", 0)) == (heap, heap)
    assert heap_options(services.OpenSearch("test", "test", 0)) == ("512m", "512m")
