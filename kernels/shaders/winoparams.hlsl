#ifndef __WINOPARAMS_HLSL__
#define __WINOPARAMS_HLSL__


// WinoParams are the push constants of WinoIn and WinoOut (48 bytes).
struct WinoParams {
	// N images of H×W pixels (input and output: stride 1, padding 1).
	uint N;
	uint H;
	uint W;
	// C is Cin for WinoIn, Cout for WinoOut.
	uint C;
	// TilesW = ⌈W/m⌉ tiles per row (tile side m: 2 or 4); the dispatch covers tile
	// rows [TileRow0, TileRow0+TileRows) of every image.
	uint TilesW;
	uint TileRow0;
	uint TileRows;
	// Stride is the number of threads in the grid (see Groups1D).
	uint Stride;
	// Flags: ConvBias, ConvResidual (WinoOut).
	uint Flags;
	uint pad0;
	uint pad1;
	uint pad2;
};

// WinoTiles is T, the number of tiles of the dispatch.
uint WinoTiles(inout WinoParams p) {
	return p.N * p.TileRows * p.TilesW;
}

// WinoTileImage is the image of tile t of the dispatch (tiles in image, row, column
// order).
uint WinoTileImage(inout WinoParams p, uint t) {
	return t / p.TilesW / p.TileRows;
}

// WinoTileRow is the tile row of tile t.
uint WinoTileRow(inout WinoParams p, uint t) {
	return p.TileRow0 + (t/p.TilesW)%p.TileRows;
}
#endif // __WINOPARAMS_HLSL__
