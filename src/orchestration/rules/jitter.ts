// Prefect's clamped Poisson interval (prefect.utilities.math), with the random source injected so rules
// stay pure and tests can pin the draw.

/** An exponentially distributed interval with the given mean, drawn from uniform u in [lower, upper). */
export function poissonInterval(averageInterval: number, u: number): number {
  return -Math.log(Math.max(1 - u, 1e-10)) * averageInterval;
}

function exponentialCdf(x: number, averageInterval: number): number {
  return 1 - Math.exp(-x / averageInterval);
}

function lowerClampMultiple(k: number): number {
  if (k >= 50) return 0;
  return Math.log2(Math.max(2 ** k / (2 ** k - 1), 1e-10));
}

/**
 * A jittered interval around `averageInterval`, at most (1 + clampingFactor) times it, with the lower
 * bound chosen so the mean stays close to `averageInterval`.
 */
export function clampedPoissonInterval(averageInterval: number, clampingFactor: number, random: () => number): number {
  if (clampingFactor <= 0) throw new RangeError("clampingFactor must be > 0");
  if (averageInterval <= 0) return 0;
  const upperMultiple = 1 + clampingFactor;
  const upperBound = averageInterval * upperMultiple;
  const lowerBound = Math.max(0, averageInterval * lowerClampMultiple(upperMultiple));
  const upperRv = exponentialCdf(upperBound, averageInterval);
  const lowerRv = exponentialCdf(lowerBound, averageInterval);
  return poissonInterval(averageInterval, lowerRv + random() * (upperRv - lowerRv));
}
