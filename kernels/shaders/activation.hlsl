#ifndef __ACTIVATION_HLSL__
#define __ACTIVATION_HLSL__


// Erf is the error function in float, absolute error ≤ 2e-7 over the real line
// (measured against erf). |x| < 0.5: Eigen's odd rational approximation
// x·P(x²)/Q(x²); otherwise 1 − erfc(|x|) with the Numerical Recipes Chebyshev fit of
// erfc (fractional error < 1.2e-7), signed.
float Erf(float x) { float z = abs(x);; if (z < 0.5) {
	float x2 = x * x;
	float p = float(-2.72614225801306e-10);
	p = p*x2 + 2.77068142495902e-08;
	p = p*x2 - 2.10102402082508e-06;
	p = p*x2 - 5.69250639462346e-05;
	p = p*x2 - 7.34990630326855e-04;
	p = p*x2 - 2.95459980854025e-03;
	p = p*x2 - 1.60960333262415e-02;
	float q = float(-1.45660718464996e-05);
	q = q*x2 - 2.13374055278905e-04;
	q = q*x2 - 1.68282697438203e-03;
	q = q*x2 - 7.37332916720468e-03;
	q = q*x2 - 1.42647390514189e-02;
	return x * p / q;
}; if (z > 10) {
	z = 10;
}; float t = 1 / (1 + 0.5*z);; float e = float(0.17087277);; e = e*t - 0.82215223;; e = e*t + 1.48851587;; e = e*t - 1.13520398;; e = e*t + 0.27886807;; e = e*t - 0.18628806;; e = e*t + 0.09678418;; e = e*t + 0.37409196;; e = e*t + 1.00002368;; e = e*t - 1.26551223;; float r = 1 - t*exp(e-z*z);; if (x < 0) {
	r = -r;
}; return r; }

// GeluAct is the exact GELU x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (torch's default).
float GeluAct(float x) {
	return 0.5 * x * (1 + Erf(x*0.70710678118654752));
}

// GeluTanhAct is the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))),
// evaluated as x·sigmoid(2u) (the same value) so that large |x| cannot overflow tanh.
float GeluTanhAct(float x) {
	float u = 0.7978845608028654 * (x + 0.044715*x*x*x);
	return x / (1 + exp(-2*u));
}

// QuickGeluAct is CLIP's x·sigmoid(1.702·x) (SD1 text encoder).
float QuickGeluAct(float x) {
	return x / (1 + exp(-1.702*x));
}

// SiluAct is x·sigmoid(x).
float SiluAct(float x) {
	return x / (1 + exp(-x));
}
#endif // __ACTIVATION_HLSL__
