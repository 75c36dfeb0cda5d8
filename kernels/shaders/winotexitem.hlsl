#ifndef __WINOTEXITEM_HLSL__
#define __WINOTEXITEM_HLSL__


// WinoTexItem splits item i of a texel transform's grid (a tile and a group of 4
// channels) into the group c4, the tile t, its column tx, image b and tile row ty.
void WinoTexItem(WinoParams p, uint i, out uint c4, out uint t, out uint tx, out uint b, out uint ty) {
	c4 = i % (p.C / 4);
	t = i / (p.C / 4);
	tx = t % p.TilesW;
	b = WinoTileImage(p, t);
	ty = WinoTileRow(p, t);
}
#endif // __WINOTEXITEM_HLSL__
