"""nncourse.sandbox limits, without a kernel: the cgroup v2 and v1 backends against fake
cgroup trees of plain files in a temporary folder (what they write, where, and what they
report missing), backend detection and choice, the uid pool, and the leftover sweep.

Tests that need the real thing (a writable cgroup, root to mount a tmpfs or to hold the
uid pool) go through ``tests.browser.require.unavailable``: skipped with the reason, or
failed under NNCOURSE_REQUIRE_ALL=1.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nncourse.sandbox import cgroups, limits, mounts, processes
from nncourse.sandbox.cgroups import CgroupV1, CgroupV2
from nncourse.sandbox.limits import CGROUPS_ENV, Limits, NoCgroup
from tests.browser.require import unavailable

LIMITS = Limits(memory_mb=1024, max_procs=40)
pytestmark = pytest.mark.xdist_group("sandbox")  # the uid pool is shared with test_sandbox


def needs_root():
    if os.geteuid() != 0:
        unavailable("needs root (mounts, the uid pool)")


def dead_pid() -> int:
    """A pid no process has: above the kernel's pid_max."""
    return int(Path("/proc/sys/kernel/pid_max").read_text()) + 1


# ----------------------------------------------------------------------------------------
# cgroup v2, against a fake tree


def v2_tree(tmp_path, own="/", own_procs="", controllers="cpuset cpu io memory pids"):
    """A fake cgroup2 hierarchy at tmp_path/cg, and the mountinfo and /proc/self/cgroup
    files that point to it."""
    root = tmp_path / "cg"
    root.mkdir()
    (root / "cgroup.controllers").write_text(controllers + "\n")
    (root / "cgroup.subtree_control").write_text("")
    (root / "cgroup.procs").write_text("1\n2\n")  # the root may hold processes
    if own != "/":
        mine = root / own.lstrip("/")
        mine.mkdir(parents=True)
        (mine / "cgroup.controllers").write_text(controllers + "\n")
        (mine / "cgroup.subtree_control").write_text("")
        (mine / "cgroup.procs").write_text(own_procs)
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
        f"25 22 0:22 / {root} rw,nosuid,nodev,noexec - cgroup2 cgroup2 rw,nsdelegate\n"
    )
    proc_cgroup = tmp_path / "cgroup"
    proc_cgroup.write_text(f"0::{own}\n")
    return root, mountinfo, proc_cgroup


def test_v2_writes_the_limits_into_a_child_of_the_root(tmp_path):
    root, _, proc_cgroup = v2_tree(tmp_path)
    (root / "nncourse").mkdir()
    (root / "nncourse" / "memory.swap.max").write_text("max")  # swap is accounted here
    group, missing = CgroupV2.create("123-abc", LIMITS, root, proc_cgroup)
    assert missing == []
    path = root / "nncourse" / "123-abc"
    assert group.path == path
    assert (root / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
    assert (root / "nncourse" / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
    written = {f.name: f.read_text() for f in path.iterdir()}
    assert written == {
        "memory.max": str(1024 * 2**20),
        "memory.swap.max": "0",
        "pids.max": "40",
        "cpu.max": "100000 100000",
        "cpu.weight": "100",
    }
    assert group.launch_settings() == [f"cgroup={path}/cgroup.procs"]


def test_v2_counts_kills_and_is_removed(tmp_path):
    root, _, proc_cgroup = v2_tree(tmp_path)
    group, _ = CgroupV2.create("123-abc", LIMITS, root, proc_cgroup)
    (group.path / "memory.events").write_text("low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n")
    (group.path / "pids.events").write_text("max 17\n")
    (group.path / "cgroup.kill").write_text("")
    assert (group.oom_kills(), group.fork_failures()) == (2, 17)
    assert group.kill() is True  # nothing listed in cgroup.procs
    assert (group.path / "cgroup.kill").read_text() == "1"
    group.remove()
    assert not group.path.exists() and (root / "nncourse").is_dir()


def test_v2_enables_only_what_is_missing(tmp_path):
    root, _, proc_cgroup = v2_tree(tmp_path)
    (root / "cgroup.subtree_control").write_text("cpu memory\n")
    CgroupV2.create("123-abc", LIMITS, root, proc_cgroup)
    assert (root / "cgroup.subtree_control").read_text() == "+pids"


def test_v2_reports_missing_controllers_and_confine_falls_back(tmp_path, monkeypatch):
    root, mountinfo, proc_cgroup = v2_tree(tmp_path, controllers="cpu memory")
    group, missing = CgroupV2.create("123-abc", LIMITS, root, proc_cgroup)
    assert missing == [f"pids (not offered by {root})"]
    assert not (group.path / "pids.max").exists()
    group.remove()
    monkeypatch.setenv(CGROUPS_ENV, "v2")
    paths = dict(root=root, mountinfo=mountinfo, proc_cgroup=proc_cgroup)
    chosen = limits.confine("123-abd", LIMITS, sandboxed=False, **paths)
    try:
        assert chosen.backend == "none"
        assert "no usable cgroup v2 (pids (not offered by" in chosen.notes[0]
        assert not (root / "nncourse" / "123-abd").exists()  # the partial group is gone
        assert "no usable cgroup v2" in limits.cgroup_problem(**paths)
    finally:
        chosen.remove()


def test_v2_without_cpu_is_used_and_says_so(tmp_path, monkeypatch):
    root, mountinfo, proc_cgroup = v2_tree(tmp_path, controllers="memory pids")
    monkeypatch.setenv(CGROUPS_ENV, "auto")
    paths = dict(root=root, mountinfo=mountinfo, proc_cgroup=proc_cgroup)
    chosen = limits.confine("123-abc", LIMITS, sandboxed=True, **paths)
    assert chosen.backend == "cgroup v2"
    assert chosen.notes == [
        f"cgroup v2 without cpu (not offered by {root}): the CPU share is not limited"
    ]
    assert limits.cgroup_problem(**paths) is None
    chosen.remove()


def test_v2_parent_follows_the_no_internal_processes_rule(tmp_path):
    root, _, proc_cgroup = v2_tree(tmp_path, own="/grader.slice/run.scope", own_procs="77\n")
    own = root / "grader.slice" / "run.scope"
    # our own cgroup holds processes: as root, beside it under the root; else nowhere
    assert CgroupV2.parent(root, proc_cgroup, as_root=True) == (root, "")
    parent, why = CgroupV2.parent(root, proc_cgroup, as_root=False)
    assert parent is None and f"our cgroup {own} holds processes" in why
    group, missing = CgroupV2.create("123-abc", LIMITS, root, proc_cgroup, as_root=False)
    assert group is None and [m.split()[0] for m in missing] == ["memory", "pids", "cpu"]
    # an empty own cgroup (a delegated folder) takes the children itself
    (own / "cgroup.procs").write_text("")
    group, _ = CgroupV2.create("123-abc", LIMITS, root, proc_cgroup, as_root=False)
    assert group.path == own / "nncourse" / "123-abc"
    assert (own / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"


def test_detection_reads_mountinfo(tmp_path):
    root, mountinfo, _ = v2_tree(tmp_path)
    assert cgroups.detect(mountinfo, root) == "v2"
    assert cgroups.detect(mountinfo, tmp_path / "elsewhere") is None
    hybrid = tmp_path / "hybrid"
    hybrid.write_text(
        "30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        "31 25 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
    )
    assert cgroups.detect(hybrid, Path("/sys/fs/cgroup")) == "v1"
    (tmp_path / "none").write_text("22 1 0:21 / /proc rw - proc proc rw\n")
    assert cgroups.detect(tmp_path / "none", root) is None


# ----------------------------------------------------------------------------------------
# cgroup v1, against a fake tree and for real


def v1_tree(tmp_path):
    mounts_ = []
    for n, controller in enumerate(("pids", "memory", "cpu")):
        (tmp_path / controller / "grader").mkdir(parents=True)
        point = tmp_path / controller
        mounts_.append(f"{30 + n} 25 0:{26 + n} / {point} rw - cgroup cgroup rw,{controller}")
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text("\n".join(mounts_) + "\n")
    proc_cgroup = tmp_path / "cgroup"
    proc_cgroup.write_text("5:pids:/grader\n4:memory:/grader\n3:cpu,cpuacct:/\n0::/\n")
    return mountinfo, proc_cgroup


def test_v1_writes_pids_memory_and_a_one_cpu_quota(tmp_path):
    mountinfo, proc_cgroup = v1_tree(tmp_path)
    group, missing = CgroupV1.create("123-abc", LIMITS, mountinfo, proc_cgroup)
    assert missing == []
    assert group.dirs == {
        "pids": tmp_path / "pids/grader/nncourse/123-abc",  # nested under our own
        "memory": tmp_path / "memory/grader/nncourse/123-abc",
        "cpu": tmp_path / "cpu/nncourse/123-abc",
    }
    files = {(c, f.name): f.read_text() for c, d in group.dirs.items() for f in d.iterdir()}
    assert files == {
        ("pids", "pids.max"): "40",
        ("memory", "memory.limit_in_bytes"): str(1024 * 2**20),
        ("memory", "memory.memsw.limit_in_bytes"): str(1024 * 2**20),
        ("cpu", "cpu.cfs_period_us"): "100000",
        ("cpu", "cpu.cfs_quota_us"): "100000",
        ("cpu", "cpu.shares"): "1024",
    }
    (group.dirs["memory"] / "memory.oom_control").write_text("oom_kill_disable 0\noom_kill 3\n")
    (group.dirs["pids"] / "pids.events").write_text("max 5\n")
    assert (group.oom_kills(), group.fork_failures()) == (3, 5)
    group.remove()
    assert not any(d.exists() for d in group.dirs.values())


def test_v1_for_real():
    if limits.cgroup_problem() or cgroups.detect() != "v1":
        unavailable(f"needs writable cgroup v1 pids and memory: {limits.cgroup_problem()}")
    group, missing = CgroupV1.create(f"{os.getpid()}-realv1", LIMITS)
    try:
        assert set(group.dirs) >= {"pids", "memory"}
        assert (group.dirs["pids"] / "pids.max").read_text().strip() == "40"
        limit = (group.dirs["memory"] / "memory.limit_in_bytes").read_text().strip()
        assert limit == str(1024 * 2**20)
        if "cpu" in group.dirs:
            cpu = group.dirs["cpu"]
            quota = int((cpu / "cpu.cfs_quota_us").read_text())
            assert quota == int((cpu / "cpu.cfs_period_us").read_text()) == 100_000
        else:
            assert missing and missing[0].startswith("cpu")
    finally:
        group.remove()
    assert not any(d.exists() for d in group.dirs.values())


# ----------------------------------------------------------------------------------------
# Choosing the backend


@pytest.mark.parametrize("value", ["off", "OFF", "sometimes"])
def test_the_setting_forces_or_refuses(value, monkeypatch):
    monkeypatch.setenv(CGROUPS_ENV, value)
    problem = limits.cgroup_problem()
    assert problem.startswith(f"{CGROUPS_ENV}={value.lower()}")
    assert "memory of all processes together and the CPU share are not limited" in problem
    chosen = limits.confine(f"{os.getpid()}-x", LIMITS, sandboxed=False)
    try:
        assert chosen.backend == "none"
        assert chosen.notes and CGROUPS_ENV in chosen.notes[0]
    finally:
        chosen.remove()


def test_without_sandbox_root_has_no_process_limit(monkeypatch):
    """Without bubblewrap the kernel keeps the grader's uid: nothing binds root."""
    needs_root()
    monkeypatch.setenv(CGROUPS_ENV, "off")
    chosen = NoCgroup.create(f"{os.getpid()}-x", LIMITS, sandboxed=False, why="test")
    assert (chosen.uid, chosen.complete, chosen.launch_settings()) == (None, False, [])
    assert "the number of processes is not limited" in chosen.notes[0]


# ----------------------------------------------------------------------------------------
# The uid pool


def test_parallel_executions_never_share_a_uid():
    needs_root()
    taken, lock = [], threading.Lock()

    def take():
        slot = limits._take_uid()
        with lock:
            taken.append(slot)

    threads = [threading.Thread(target=take) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        uids = [uid for uid, _ in taken]
        assert len(set(uids)) == 6
        assert all(limits.UID_BASE <= u < limits.UID_BASE + limits.UID_SLOTS for u in uids)
    finally:
        for _, held in taken:
            held.close()


def test_a_uid_held_by_another_process_is_skipped_and_freed_with_it():
    needs_root()
    hold = "from nncourse.sandbox import limits; import time\n"
    hold += "uid, lock = limits._take_uid(); print(uid, flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True)
    held = []
    try:
        theirs = int(holder.stdout.readline())
        held.append(limits._take_uid())
        assert held[0][0] != theirs
    finally:
        holder.kill()
        holder.wait()
    try:  # its slot is free again: taking every free slot gets it back
        while (slot := limits._take_uid()) is not None and slot[0] != theirs:
            held.append(slot)
        assert slot is not None and slot[0] == theirs
        held.append(slot)
    finally:
        for _, lock in held:
            lock.close()


def test_processes_are_found_by_uid():
    tasks = processes.uid_tasks(os.getuid())
    assert os.getpid() in processes.uid_pids(os.getuid())
    assert tasks >= threading.active_count()
    assert processes.uid_pids(2**31 - 7) == set()


# ----------------------------------------------------------------------------------------
# Leftovers of a killed grader


def test_the_sweep_unmounts_and_removes_a_killed_graders_scratch(tmp_path):
    needs_root()
    stale = tmp_path / f"{mounts.SCRATCH_PREFIX}{dead_pid()}-abc"
    young = tmp_path / f"{mounts.SCRATCH_PREFIX}{dead_pid()}-def"
    mine = tmp_path / f"{mounts.SCRATCH_PREFIX}{os.getpid()}-ghi"
    for path in (stale, young, mine):
        path.mkdir()
    problem = mounts._mount_tmpfs(stale, 1)
    if problem:
        unavailable(problem)
    (stale / "ipc").mkdir()
    hour_ago = time.time() - processes.STALE_SECONDS - 60
    for path in (stale, mine):
        os.utime(path, (hour_ago, hour_ago))
    assert str(stale) in Path("/proc/self/mountinfo").read_text()
    processes.sweep([], mounts.scratch_folders(tmp_path))
    assert not stale.exists() and str(stale) not in Path("/proc/self/mountinfo").read_text()
    assert young.is_dir() and mine.is_dir()  # too young / its grader is alive


def test_the_sweep_removes_cgroups_of_killed_graders(tmp_path):
    mountinfo, proc_cgroup = v1_tree(tmp_path)
    gone, _ = CgroupV1.create(f"{dead_pid()}-abc", LIMITS, mountinfo, proc_cgroup)
    alive, _ = CgroupV1.create(f"{os.getpid()}-def", LIMITS, mountinfo, proc_cgroup)
    found = cgroups.existing_groups(tmp_path / "no-v2", mountinfo, proc_cgroup)
    assert sorted(g.name for g in found) == sorted([gone.name, alive.name])
    processes.sweep(found, [])
    assert not any(d.exists() for d in gone.dirs.values())
    assert all(d.exists() for d in alive.dirs.values())
