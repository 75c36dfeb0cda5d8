package gpu

import "sort"

// Lifetime is one activation's size and the range of plan steps [First, Last] during
// which it must hold its value.
type Lifetime struct {
	Size        int64
	First, Last int
}

// ArenaPlan is an assignment of arena offsets to activations.
type ArenaPlan struct {
	Offsets []int64 // one per Lifetime, in input order
	Size    int64   // bytes the arena needs
	Naive   int64   // bytes without reuse (the sum of all sizes)
}

// PlanArena places activations in one arena so that two of them share bytes only when
// their lifetimes are disjoint. It tries a few greedy orders (largest first, longest
// lived first, earliest first), each placing an activation at the lowest aligned offset
// free of every already placed activation alive at the same time, and keeps the
// smallest arena; the result is usually close to the largest live set (PeakLive).
func PlanArena(ls []Lifetime, align int64) ArenaPlan {
	if align < 1 {
		align = 1
	}
	orders := []func(a, b Lifetime) bool{
		func(a, b Lifetime) bool { return a.Size > b.Size },
		func(a, b Lifetime) bool { return a.Last-a.First > b.Last-b.First },
		func(a, b Lifetime) bool { return a.First < b.First },
	}
	var best ArenaPlan
	for i, less := range orders {
		p := placeInOrder(ls, align, less)
		if i == 0 || p.Size < best.Size {
			best = p
		}
	}
	return best
}

func placeInOrder(ls []Lifetime, align int64, less func(a, b Lifetime) bool) ArenaPlan {
	order := make([]int, len(ls))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return less(ls[order[a]], ls[order[b]]) })
	rounded := func(l Lifetime) int64 { return (l.Size + align - 1) / align * align }
	plan := ArenaPlan{Offsets: make([]int64, len(ls))}
	type placed struct{ off, end int64 }
	var done []int
	var conflicts []placed
	for _, i := range order {
		l := ls[i]
		plan.Naive += l.Size
		size := rounded(l)
		conflicts = conflicts[:0]
		for _, j := range done {
			o := ls[j]
			if o.First <= l.Last && l.First <= o.Last {
				conflicts = append(conflicts, placed{plan.Offsets[j], plan.Offsets[j] + rounded(o)})
			}
		}
		sort.Slice(conflicts, func(a, b int) bool { return conflicts[a].off < conflicts[b].off })
		off := int64(0)
		for _, c := range conflicts {
			if off+size <= c.off {
				break
			}
			off = max(off, c.end)
		}
		plan.Offsets[i] = off
		plan.Size = max(plan.Size, off+size)
		done = append(done, i)
	}
	return plan
}

// PeakLive returns the largest total size of activations alive at one step: a lower
// bound for any arena.
func PeakLive(ls []Lifetime) int64 {
	last := 0
	for _, l := range ls {
		last = max(last, l.Last)
	}
	delta := make([]int64, last+2)
	for _, l := range ls {
		delta[l.First] += l.Size
		delta[l.Last+1] -= l.Size
	}
	var cur, peak int64
	for _, d := range delta {
		cur += d
		peak = max(peak, cur)
	}
	return peak
}
