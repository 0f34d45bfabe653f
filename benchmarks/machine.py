"""What the benchmarks print about the machine they ran on."""

from threadpoolctl import threadpool_info


def blas_threads() -> str:
    """The BLAS libraries numpy uses and their thread counts, e.g. 'openblas 2 thread(s)'."""
    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    info = {(i["internal_api"], i["num_threads"]) for i in blas}
    return ", ".join(f"{api} {n} thread(s)" for api, n in sorted(info)) or "?"
