package sampler

import "math"

// This file evaluates log and sincos exactly as torch's AVX2 kernels do
// (ATen/native/cpu/avx_mathfun.h: log256_ps, sincos256_ps, Cephes-style float32
// polynomials, built with fused multiply-adds), one lane at a time, so that
// TorchCPU.Randn reproduces torch's float32 values bit for bit.

// Cephes coefficients, as float32 constants.
const (
	cephesSqrtHalf = float32(0.707106781186547524)
	cephesLogQ1    = float32(-2.12194440e-4)
	cephesLogQ2    = float32(0.693359375)
	cephesFourOPi  = float32(1.27323954473516)
	cephesDP1      = float32(-0.78515625)
	cephesDP2      = float32(-2.4187564849853515625e-4)
	cephesDP3      = float32(-3.77489497744594108e-8)
)

var (
	cephesLogP = [...]float32{
		7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
		-1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
	}
	cephesCosP = [...]float32{2.443315711809948e-005, -1.388731625493765e-003, 4.166664568298827e-002}
	cephesSinP = [...]float32{-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1}
)

// fma32 returns a*b+c rounded once to float32. The float64 product is exact; the sum is
// rounded to odd before the final rounding, which makes the double rounding exact.
func fma32(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	// Exact error of the float64 sum (Knuth's TwoSum).
	bv := s - p
	err := (p - (s - bv)) + (float64(c) - bv)
	if bits := math.Float64bits(s); err != 0 && bits&1 == 0 {
		if (err > 0) == (s > 0) {
			bits++
		} else {
			bits--
		}
		s = math.Float64frombits(bits)
	}
	return float32(s)
}

// horner32 evaluates the polynomial coeffs (highest degree first) at x with fused steps.
func horner32(coeffs []float32, x float32) float32 {
	y := coeffs[0]
	for _, c := range coeffs[1:] {
		y = fma32(y, x, c)
	}
	return y
}

// cephesLog is log256_ps for a positive normal float32.
func cephesLog(x float32) float32 {
	bits := math.Float32bits(x)
	e := float32(int32(bits>>23)-0x7f) + 1
	x = math.Float32frombits(bits&^0x7f800000 | math.Float32bits(0.5)) // mantissa in [0.5, 1)
	if x < cephesSqrtHalf {
		e--
		x = float32(x-1) + x
	} else {
		x--
	}
	z := float32(x * x)
	y := float32(horner32(cephesLogP[:], x) * x)
	y = fma32(y, z, float32(e*cephesLogQ1))
	y = fma32(-z, 0.5, y)
	return fma32(e, cephesLogQ2, float32(x+y))
}

// cephesSincos is sincos256_ps: it returns (sin x, cos x).
func cephesSincos(x float32) (sin, cos float32) {
	negSin := x < 0
	x = float32(math.Abs(float64(x)))
	j := (int32(float32(x*cephesFourOPi)) + 1) &^ 1 // octant, rounded up to even
	y := float32(j)
	x = fma32(y, cephesDP1, x) // extended-precision x - j*pi/4
	x = fma32(y, cephesDP2, x)
	x = fma32(y, cephesDP3, x)
	if j&4 != 0 {
		negSin = !negSin
	}
	negCos := (j-2)&4 == 0
	z := float32(x * x)
	c := float32(horner32(cephesCosP[:], z) * z)
	c = fma32(c, z, -float32(z*0.5)) + 1
	s := fma32(float32(horner32(cephesSinP[:], z)*z), x, x)
	if j&2 != 0 {
		s, c = c, s
	}
	if negSin {
		s = -s
	}
	if negCos {
		c = -c
	}
	return s, c
}
