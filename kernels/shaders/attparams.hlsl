#ifndef __ATTPARAMS_HLSL__
#define __ATTPARAMS_HLSL__


// AttentionParams are the push constants of every attention kernel.
struct AttentionParams {
	uint B;
	uint Tq;
	uint Tk;
	uint H;
	// D is the head dim (ignored by the variants that compile it in).
	uint D;
	uint QRow;
	uint KRow;
	uint ORow;
	// Causal is 1 for the causal mask (CLIP's text encoder), else 0.
	uint Causal;
	// Scale multiplies Q·Kᵀ (1/√D).
	float Scale;
	// BH0 and NBH select the (batch, head) pairs b·H+h of the naive kernels' score
	// tensor (ignored by FlashAttention).
	uint BH0;
	uint NBH;
	// Stride is the grid's thread count of the 1-D naive kernels.
	uint Stride;
	uint pad0;
	uint pad1;
	uint pad2;
};

// AttnCausalOK reports whether key j is visible to query i (always without the mask).
bool AttnCausalOK(inout AttentionParams p, uint i, uint j) {
	if (p.Causal == 0) {
		return true;
	}
	return j+p.Tq <= i+p.Tk;
}
#endif // __ATTPARAMS_HLSL__
