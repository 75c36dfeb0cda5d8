#ifndef __WINOOUTFAM_HLSL__
#define __WINOOUTFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> WinoM;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> WinoBias;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> WinoR;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> WinoY;

// WinoStoreY adds bias and residual to output (b, co, oy, ox) and writes it, if it lies
// inside the image.
void WinoStoreY(inout WinoParams p, uint b, uint co, uint oy, uint ox, float v) {
	if (oy >= p.H || ox >= p.W) {
		return;
	}
	uint idx = ((b*p.C+co)*p.H+oy)*p.W + ox;
	if ((p.Flags & ConvBias) != 0) {
		v += WinoBias[co];
	}
	if ((p.Flags & ConvResidual) != 0) {
		v += WinoR[idx];
	}
	WinoY[idx] = v;
}

// WinoOutAt transforms channel co of tile t (i = t·C + co) back to its 2×2 output
// pixels, Aᵀ·m·A with Aᵀ = [1 1 1 0; 0 1 −1 −1].
void WinoOutAt(inout WinoParams p, uint i) {
	uint co = i % p.C;
	uint t = i / p.C;
	uint tx = t % p.TilesW;
	uint b = WinoTileImage(p, t);
	uint ty = WinoTileRow(p, t);
	uint nt = WinoTiles(p);
	float m00 = WinoM[(0*nt+t)*p.C+co];
	float m01 = WinoM[(1*nt+t)*p.C+co];
	float m02 = WinoM[(2*nt+t)*p.C+co];
	float m03 = WinoM[(3*nt+t)*p.C+co];
	float m10 = WinoM[(4*nt+t)*p.C+co];
	float m11 = WinoM[(5*nt+t)*p.C+co];
	float m12 = WinoM[(6*nt+t)*p.C+co];
	float m13 = WinoM[(7*nt+t)*p.C+co];
	float m20 = WinoM[(8*nt+t)*p.C+co];
	float m21 = WinoM[(9*nt+t)*p.C+co];
	float m22 = WinoM[(10*nt+t)*p.C+co];
	float m23 = WinoM[(11*nt+t)*p.C+co];
	float m30 = WinoM[(12*nt+t)*p.C+co];
	float m31 = WinoM[(13*nt+t)*p.C+co];
	float m32 = WinoM[(14*nt+t)*p.C+co];
	float m33 = WinoM[(15*nt+t)*p.C+co];
	// u = Aᵀ·m
	float u00 = m00 + m10 + m20;
	float u10 = m10 - m20 - m30;
	float u01 = m01 + m11 + m21;
	float u11 = m11 - m21 - m31;
	float u02 = m02 + m12 + m22;
	float u12 = m12 - m22 - m32;
	float u03 = m03 + m13 + m23;
	float u13 = m13 - m23 - m33;
	WinoStoreY(p, b, co, 2*ty, 2*tx, u00+u01+u02);
	WinoStoreY(p, b, co, 2*ty, 2*tx+1, u01-u02-u03);
	WinoStoreY(p, b, co, 2*ty+1, 2*tx, u10+u11+u12);
	WinoStoreY(p, b, co, 2*ty+1, 2*tx+1, u11-u12-u13);
}
#endif // __WINOOUTFAM_HLSL__
