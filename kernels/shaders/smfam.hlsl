#ifndef __SMFAM_HLSL__
#define __SMFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> SmX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> SmY;

// SoftmaxParams are the push constants of Softmax.
struct SoftmaxParams {
	// Rows and Cols: x is [Rows, Cols], normalised over Cols.
	uint Rows;
	uint Cols;
	// Stride is the number of threads in the grid (Groups1D(Rows)).
	uint Stride;
	// Scale multiplies x first: y = softmax(Scale·x) (Scale > 0; 1 for plain softmax).
	float Scale;
};

// SoftmaxRowAt normalises row r: max, then exp and sum (written to y), then 1/sum.
void SoftmaxRowAt(inout SoftmaxParams p, uint r) {
	uint base = r * p.Cols;
	float m = SmX[base];
	for (uint j = uint(1); j < p.Cols; j++) {
		m = max(m, SmX[base+j]);
	}
	float s = float(0);
	for (uint j = uint(0); j < p.Cols; j++) {
		float e = exp((SmX[base+j] - m) * p.Scale);
		SmY[base+j] = e;
		s += e;
	}
	float inv = 1 / s;
	for (uint j = uint(0); j < p.Cols; j++) {
		SmY[base+j] = SmY[base+j] * inv;
	}
}
#endif // __SMFAM_HLSL__
