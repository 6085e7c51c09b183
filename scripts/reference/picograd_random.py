"""picograd's random stream (dfdx's Generator) in Python, so a PyTorch twin can start from the
same numbers as its Swift example: SplitMix64 for 64-bit integers, the top 24 bits for a
uniform float, Box-Muller in double precision rounded to float32 for a normal, `next % n` for
an integer below n, and Swift's shuffle (Fisher-Yates with Lemire's bounded draws, as the
standard library's `shuffled(using:)` does). Tested by Tests/Examples: a draw that differed
would change every number the examples compare.
"""
import math

import numpy as np
import torch

MASK = (1 << 64) - 1


class Generator:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return np.float32((self.next() >> 40) / float(1 << 24))

    def normal(self):
        u1 = ((self.next() >> 11) + 0.5) / float(1 << 53)
        u2 = (self.next() >> 11) / float(1 << 53)
        return np.float32(math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2))

    def int_below(self, n):
        return self.next() % n

    def bounded(self, n):
        """Swift's RandomNumberGenerator.next(upperBound:) for UInt: Lemire's method."""
        r = self.next()
        m = r * n
        if (m & MASK) < n:
            t = ((1 << 64) - n) % n
            while (m & MASK) < t:
                r = self.next()
                m = r * n
        return m >> 64

    def shuffled(self, items):
        """Swift's `items.shuffled(using: &generator)`."""
        a = list(items)
        amount, i = len(a), 0
        while amount > 1:
            j = self.bounded(amount)
            amount -= 1
            a[i], a[i + j] = a[i + j], a[i]
            i += 1
        return a

    # the tensors of dfdx's Tensor.randn / rand / randint(generator:)
    def randn(self, *shape):
        n = int(np.prod(shape)) if shape else 1
        return torch.tensor(np.array([self.normal() for _ in range(n)], dtype=np.float32).reshape(shape))

    def rand(self, *shape):
        n = int(np.prod(shape)) if shape else 1
        return torch.tensor(np.array([self.uniform() for _ in range(n)], dtype=np.float32).reshape(shape))

    def randint(self, low, high, shape):
        n = int(np.prod(shape))
        return torch.tensor([low + self.int_below(high - low) for _ in range(n)], dtype=torch.long).reshape(shape)
