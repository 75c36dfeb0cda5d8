package gpu

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPlanArenaProperties checks on random graphs that no two activations alive at the
// same step overlap, that every one is aligned and inside the arena, and that the arena
// stays close to the peak live set.
func TestPlanArenaProperties(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	var worst float64
	for trial := 0; trial < 300; trial++ {
		steps := 1 + r.Intn(200)
		ls := make([]Lifetime, 1+r.Intn(150))
		for i := range ls {
			first := r.Intn(steps)
			ls[i] = Lifetime{Size: int64(1 + r.Intn(1<<16)), First: first, Last: first + r.Intn(1+min(steps-first, 20))}
		}
		const align = 64
		p := PlanArena(ls, align)
		require.Len(t, p.Offsets, len(ls))
		for i, a := range ls {
			require.Zero(t, p.Offsets[i]%align)
			require.LessOrEqual(t, p.Offsets[i]+a.Size, p.Size)
			for j := i + 1; j < len(ls); j++ {
				b := ls[j]
				if a.First <= b.Last && b.First <= a.Last {
					disjoint := p.Offsets[i]+a.Size <= p.Offsets[j] || p.Offsets[j]+b.Size <= p.Offsets[i]
					require.True(t, disjoint, "trial %d: activations %d and %d overlap while both alive", trial, i, j)
				}
			}
		}
		peak := PeakLive(ls)
		require.GreaterOrEqual(t, p.Size, peak)
		require.LessOrEqual(t, p.Size, p.Naive+int64(len(ls))*align)
		worst = max(worst, float64(p.Size)/float64(peak))
	}
	t.Logf("worst arena / peak-live ratio over random graphs: %.2f", worst)
	require.Less(t, worst, 1.5)
}

func TestPlanArenaChainReuses(t *testing.T) {
	// A chain where each activation lives for two steps needs only two slots.
	var ls []Lifetime
	for i := 0; i < 100; i++ {
		ls = append(ls, Lifetime{Size: 1000, First: i, Last: i + 1})
	}
	p := PlanArena(ls, 1)
	require.Equal(t, int64(100000), p.Naive)
	require.Equal(t, int64(2000), p.Size)
}
