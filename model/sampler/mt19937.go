package sampler

// mt19937 is the 32-bit Mersenne Twister as seeded by torch's CPU generator
// (init_genrand with the low 32 bits of the seed).
type mt19937 struct {
	state [mtN]uint32
	next  int // index of the next state word to temper; mtN means "regenerate"
}

const (
	mtN         = 624
	mtM         = 397
	mtMatrixA   = 0x9908b0df
	mtUpperMask = 0x80000000
	mtLowerMask = 0x7fffffff
)

func newMT19937(seed uint64) mt19937 {
	var m mt19937
	m.state[0] = uint32(seed)
	for i := 1; i < mtN; i++ {
		prev := m.state[i-1]
		m.state[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	m.next = mtN
	return m
}

// uint32 returns the next tempered 32-bit output.
func (m *mt19937) uint32() uint32 {
	if m.next >= mtN {
		m.twist()
	}
	y := m.state[m.next]
	m.next++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// uint64 returns two outputs as one 64-bit value, the first in the high half
// (torch's random64).
func (m *mt19937) uint64() uint64 {
	hi := uint64(m.uint32())
	return hi<<32 | uint64(m.uint32())
}

func (m *mt19937) twist() {
	for i := 0; i < mtN; i++ {
		y := m.state[i]&mtUpperMask | m.state[(i+1)%mtN]&mtLowerMask
		v := m.state[(i+mtM)%mtN] ^ y>>1
		if y&1 != 0 {
			v ^= mtMatrixA
		}
		m.state[i] = v
	}
	m.next = 0
}
