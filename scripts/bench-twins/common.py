"""What the PyTorch twins share: the timing rule of picograd's `bench` (the median of `reps`
timed runs of `inner` calls each, after one warm-up call)."""
import time


def timed(fn, inner, reps=7):
    fn()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return sorted(samples)[reps // 2]
