#ifndef __CHUNKS_HLSL__
#define __CHUNKS_HLSL__


// ChunkCount is the number of chunks of rows rows of l elements.
uint ChunkCount(uint rows, uint l) {
	return rows * ((l + 15) / 16);
}

// ChunkRow is the row of chunk j of rows of l elements.
uint ChunkRow(uint j, uint l) {
	return j / ((l + 15) / 16);
}

// ChunkStart is the first element, within its row, of chunk j of rows of l elements.
uint ChunkStart(uint j, uint l) {
	return (j % ((l + 15) / 16)) * 16;
}

// ChunkLen is the number of elements (1..16) of chunk j of rows of l elements.
uint ChunkLen(uint j, uint l) {
	uint n = l - ChunkStart(j, l);
	if (n > 16) {
		n = 16;
	}
	return n;
}
#endif // __CHUNKS_HLSL__
