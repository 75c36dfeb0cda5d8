package sampler

import "math"

// spacedTimesteps returns diffusers' n inference timesteps, descending, for a schedule of
// T train timesteps. linspace spreads n points over [0, T-1] (rounded to integers unless
// fractional, where they are float32 as in the Euler-family schedulers); leading takes
// multiples of T/n (integer division) plus offset; trailing rounds T - k*T/n and subtracts 1.
func spacedTimesteps(spacing string, T, n, offset int, fractional bool) []float64 {
	switch spacing {
	case SpacingLinspace:
		ts := numpyLinspace(0, float64(T-1), n)
		for i, t := range ts {
			if fractional {
				ts[i] = float64(float32(t))
			} else {
				ts[i] = math.RoundToEven(t)
			}
		}
		return reversed(ts)
	case SpacingLeading:
		ratio := T / n
		ts := make([]float64, n)
		for i := range ts {
			ts[i] = float64(i*ratio + offset)
		}
		return reversed(ts)
	}
	return trailingTimesteps(float64(T), float64(T)/float64(n), n)
}

// dpmTimesteps is DPMSolverMultistepScheduler's variant of spacedTimesteps: linspace and
// leading space n+1 points below last (the timesteps not clipped by lambda_min_clipped)
// and drop the smallest; trailing is as for the other schedulers.
func dpmTimesteps(spacing string, T, last, n, offset int) []float64 {
	switch spacing {
	case SpacingLinspace:
		ts := numpyLinspace(0, float64(last-1), n+1)
		for i, t := range ts {
			ts[i] = math.RoundToEven(t)
		}
		return reversed(ts[1:])
	case SpacingLeading:
		ratio := last / (n + 1)
		ts := make([]float64, n)
		for i := range ts {
			ts[i] = float64((i+1)*ratio + offset)
		}
		return reversed(ts)
	}
	return trailingTimesteps(float64(last), float64(T)/float64(n), n)
}

// trailingTimesteps is the first n of np.arange(start, 0, -step).round() - 1, with
// numpy's arange arithmetic: element i = start + i*((start-step) - start). (For some n,
// e.g. 61, numpy's length ceil(start/step) is n+1 and diffusers runs an extra step at
// timestep -1; the plan keeps n.)
func trailingTimesteps(start, step float64, n int) []float64 {
	n = min(n, int(math.Ceil((0-start)/-step)))
	delta := (start - step) - start
	ts := make([]float64, n)
	for i := range ts {
		v := start
		if i == 1 {
			v = start - step
		} else if i > 1 {
			v = start + float64(i)*delta
		}
		ts[i] = math.RoundToEven(v) - 1
	}
	return ts
}

// numpyLinspace is np.linspace(start, stop, n) in float64: start + i*step, the last point
// exactly stop.
func numpyLinspace(start, stop float64, n int) []float64 {
	out := make([]float64, n)
	if n == 1 {
		out[0] = start
		return out
	}
	step := (stop - start) / float64(n-1)
	for i := range out {
		out[i] = float64(i)*step + start
	}
	out[n-1] = stop
	return out
}

func reversed(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[len(v)-1-i] = x
	}
	return out
}
