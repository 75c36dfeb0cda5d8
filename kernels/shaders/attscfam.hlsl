#ifndef __ATTSCFAM_HLSL__
#define __ATTSCFAM_HLSL__


#include "attparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> AsQ;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> AsK;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> AsS;

// AttnScoreAt sets score element e of the selected pairs: S = Scale·q·k, or −1e30 where
// the causal mask hides the key.
void AttnScoreAt(inout AttentionParams p, uint e) {
	uint per = p.Tq * p.Tk;
	uint bh = p.BH0 + e/per;
	uint r = e % per;
	uint i = r / p.Tk;
	uint j = r % p.Tk;
	uint b = bh / p.H;
	uint h = bh % p.H;
	if (!AttnCausalOK(p, i, j)) {
		AsS[e] = -1e30;
		return;
	}
	uint qb = (b*p.Tq+i)*p.QRow + h*p.D;
	uint kb = (b*p.Tk+j)*p.KRow + h*p.D;
	float s = float(0);
	for (uint d = uint(0); d < p.D; d++) {
		s += AsQ[qb+d] * AsK[kb+d];
	}
	AsS[e] = s * p.Scale;
}
#endif // __ATTSCFAM_HLSL__
