#ifndef __GEMM_WINO_F16_HLSL__
#define __GEMM_WINO_F16_HLSL__


#include "gemm.hlsl"
#include "texmma.hlsl"
#define QUEUE_BINDING 5
#include "queue.hlsl"
#include "winotaps.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; WinoTapParams WT; };
[[vk::binding(0, 0)]] Buffer<uint4> WinoTapV;
[[vk::binding(1, 0)]] Buffer<uint4> WinoTapW;
#define WTM 32
#define WTN 4
#define WTQ (WTM / 8)
// WINO_TAP_STORE writes the tile acc of position pos.
#define WINO_TAP_STORE(acc, pos) \
	[loop] for (uint i = 0; i < WTM; i++) { \
		[unroll] for (uint j = 0; j < WTN; j++) { \
			uint m = m0 + i; \
			uint n = n0 + 8 * j; \
			if (m < p.M && n < p.N) { GemmBufC[(pos) * p.StrideC + m * p.N + n] = acc[i][j]; } \
		} \
	}
void winoTapTile(uint3 gid, uint3 lid) {
	GemmParams p = P;
	WinoTapParams wt = WT;
	uint ldb = GemmLdB(p);
	uint slots = WinoTapSlots(wt);
	uint toff[9]; // in texels
	float ca[9], cb[9];
	[unroll] for (uint t = 0; t < 9; t++) {
		uint s = min(t, slots - 1);
		toff[t] = WinoTapSlotIndex(wt, gid.z, s) * (ldb >> 2);
		ca[t] = WinoTapSlotCoef(wt, gid.z, s, 0);
		cb[t] = WinoTapSlotCoef(wt, gid.z, s, 1);
	}
	uint za = WinoTapPairA(wt, gid.z);
	uint posA = WinoTapPos(wt, za);
	uint posB = WinoTapPos(wt, za + wt.Pair);
	uint n0 = gid.x * 8 * WTN + lid.x;
	uint boff[WTN]; // in texels
	[unroll] for (uint j = 0; j < WTN; j++) {
		boff[j] = (min(n0 + 8 * j, p.N - 1) * 9 * ldb) >> 2;
	}
	uint m0 = gid.y * WTM;
	uint aoffA[WTQ], aoffB[WTQ]; // in texels
	[unroll] for (uint q = 0; q < WTQ; q++) {
		uint row = min(m0 + 8 * q + lid.x, p.M - 1) * p.K;
		aoffA[q] = (posA * p.StrideA + row) >> 2;
		aoffB[q] = (posB * p.StrideA + row) >> 2;
	}
	float accA[WTM][WTN], accB[WTM][WTN];
	[unroll] for (uint i = 0; i < WTM; i++) {
		[unroll] for (uint j = 0; j < WTN; j++) { accA[i][j] = 0; accB[i][j] = 0; }
	}
	for (uint k = 0; k < p.K; k += 8) {
		uint kt = k >> 2;
		float4 b0A[WTN], b1A[WTN], b0B[WTN], b1B[WTN];
		[unroll] for (uint j = 0; j < WTN; j++) { b0A[j] = 0; b1A[j] = 0; b0B[j] = 0; b1B[j] = 0; }
		[unroll] for (uint t = 0; t < 9; t++) {
			if (t < slots) {
				[unroll] for (uint j = 0; j < WTN; j++) {
					uint4 w = WinoTapW[boff[j] + toff[t] + (kt >> 1)];
					float4 h0 = TexHalves(w.xy);
					float4 h1 = TexHalves(w.zw);
					b0A[j] += ca[t] * h0;
					b1A[j] += ca[t] * h1;
					b0B[j] += cb[t] * h0;
					b1B[j] += cb[t] * h1;
				}
			}
		}
		float4 a0[WTQ], a1[WTQ];
		[unroll] for (uint q = 0; q < WTQ; q++) {
			a0[q] = asfloat(WinoTapV[aoffA[q] + kt]);
			a1[q] = asfloat(WinoTapV[aoffA[q] + kt + 1]);
		}
		TEX_MMA(accA, a0, a1, b0A, b1A, WTM, WTN);
		[unroll] for (uint q = 0; q < WTQ; q++) {
			a0[q] = asfloat(WinoTapV[aoffB[q] + kt]);
			a1[q] = asfloat(WinoTapV[aoffB[q] + kt + 1]);
		}
		TEX_MMA(accB, a0, a1, b0B, b1B, WTM, WTN);
	}
	WINO_TAP_STORE(accA, posA);
	WINO_TAP_STORE(accB, posB);
}
[numthreads(8, 1, 1)]
void main(uint3 lid : SV_GroupThreadID) {
	GemmParams p = P;
	uint gx = (p.N + 8 * WTN - 1) / (8 * WTN);
	uint gy = (p.M + WTM - 1) / WTM;
	for (uint t = QueueTake(lid.x); t < gx * gy * GemmBatch(p); t = QueueTake(lid.x)) {
		winoTapTile(QueueTile(t, gx, gy), lid);
	}
	QueueDone(lid.x);
}
#endif // __GEMM_WINO_F16_HLSL__
