#ifndef __ATTPVFAM_HLSL__
#define __ATTPVFAM_HLSL__


#include "attparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> ApP;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> ApV;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> ApO;

// AttnPVAt sets output element e of the selected pairs, e over [pairs, Tq, D]:
// O = Σ_j P[i, j]·V[j].
void AttnPVAt(inout AttentionParams p, uint e) {
	uint per = p.Tq * p.D;
	uint pr = e / per;
	uint bh = p.BH0 + pr;
	uint r = e % per;
	uint i = r / p.D;
	uint d = r % p.D;
	uint b = bh / p.H;
	uint h = bh % p.H;
	uint pb = (pr*p.Tq + i) * p.Tk;
	uint vb = b*p.Tk*p.KRow + h*p.D + d;
	float s = float(0);
	for (uint j = uint(0); j < p.Tk; j++) {
		s += ApP[pb+j] * ApV[vb+j*p.KRow];
	}
	ApO[(b*p.Tq+i)*p.ORow+h*p.D+d] = s;
}
#endif // __ATTPVFAM_HLSL__
