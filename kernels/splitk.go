package kernels

import (
	"os"
	"strconv"
)

// Split-K for the tensor-core GEMM and conv. The deep UNet levels give those kernels
// grids of 20–160 workgroups (at 8×8 latents a 1280-channel conv is 20 tiles of 64×128
// with K = 11520), which leave most of a large GPU's SMs idle while each workgroup
// walks a long k loop. Such a dispatch runs instead as splits·tiles workgroups, each
// summing one chunk of K into a partial-sum buffer (GemmPartIdx, ConvPartIdx), and a
// second kernel adds the chunks up in order and applies the epilogue. The sums differ
// from the unsplit ones only in fp32 rounding.

// splitKTarget is the number of workgroups split-K aims a dispatch at (splits =
// ⌈target / tiles⌉), and splitKMinChunk the fewest k per chunk (all but the last,
// which takes the rest). $SDGO_SPLITK sets the target (0 turns split-K off).
const (
	splitKTarget   = 256
	splitKMinChunk = 256
)

// splitKChunk returns the k-chunk for a tensor-core dispatch of groups workgroups over
// inner size k: 0 (no split) where the grid reaches the target or k is under two
// chunks, else a multiple of 64 (both tensor-core k-steps) of at least splitKMinChunk.
func splitKChunk(groups, k uint32) uint32 {
	target := uint32(splitKTarget)
	if s, ok := os.LookupEnv("SDGO_SPLITK"); ok {
		if v, err := strconv.Atoi(s); err == nil && v >= 0 {
			target = uint32(min(v, 1<<20))
		}
	}
	if target == 0 || groups == 0 || k < 2*splitKMinChunk {
		return 0
	}
	splits := (target + groups - 1) / groups
	if splits < 2 {
		return 0
	}
	chunk := max((k+splits-1)/splits, splitKMinChunk)
	chunk = (chunk + 63) / 64 * 64
	if chunk >= k {
		return 0
	}
	return chunk
}

// maxSplitSumRows bounds the rows of the split-K sum kernels' grids (y: Batch·M for
// GEMM, Cout for conv) to what every Vulkan device dispatches.
const maxSplitSumRows = 65535

// GemmSplitK returns p with KChunk set for a split-K run of variant where its grid is
// too small to fill a GPU (tensor-core variants only; others get KChunk 0). GemmGroups
// then counts the split workgroups, and the dispatch writes GemmPartLen(p) partial sums
// for GemmSplitSum.
func GemmSplitK(variant string, p GemmParams) GemmParams {
	p.KChunk = 0
	if v := gemmVariants[variant]; !v.splitK || GemmBatch(&p)*p.M > maxSplitSumRows {
		return p
	}
	p.KChunk = splitKChunk(groupCount(GemmGroups(variant, p)), p.K)
	return p
}

// GemmPartLen is the number of partial sums a split-K GEMM writes (0: p is not split).
func GemmPartLen(p GemmParams) int {
	if GemmSplits(&p) == 1 {
		return 0
	}
	w := int(p.N)
	if p.Act == GemmActGeglu {
		w *= 2
	}
	return int(GemmSplits(&p)*GemmBatch(&p)*p.M) * w
}

// GemmSplitSum is the kernel that finishes a split-K GEMM: binding 0 the partial sums
// (GemmPartLen), 1 the weight (not read), 2 bias, 3 R (read), 4 C (written), with the
// dispatch's GemmParams.
var GemmSplitSum = Spec{Name: "gemm_splitk_sum", Reads: 4, Writes: 1, ParamsSize: 48, Local: [3]uint32{64, 1, 1}}

// GemmSplitSumGroups is the grid of GemmSplitSum for p.
func GemmSplitSumGroups(p GemmParams) [3]uint32 {
	return [3]uint32{(p.N + 63) / 64, GemmBatch(&p) * p.M, 1}
}

// GemmSplitSumCPU is the CPU reference of GemmSplitSum.
func GemmSplitSumCPU(p GemmParams, part, bias, r, c []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	GemmBufA, GemmBufBias, GemmBufR, GemmBufC = part, bias, r, c
	for b := uint32(0); b < GemmBatch(&p); b++ {
		for m := uint32(0); m < p.M; m++ {
			for n := uint32(0); n < p.N; n++ {
				GemmSplitSumAt(&p, b, m, n)
			}
		}
	}
	GemmBufA, GemmBufBias, GemmBufR, GemmBufC = nil, nil, nil, nil
}

// ConvSplitK returns p with KChunk set for a split-K run of variant where its grid is
// too small to fill a GPU (tensor-core variants only; others get KChunk 0). ConvGroups
// then counts the split workgroups, and the dispatch writes ConvPartLen(p) partial sums
// for ConvSplitSum.
func ConvSplitK(variant string, p ConvParams) ConvParams {
	p.KChunk = 0
	if v := convVariants[variant]; !v.splitK || p.Cout > maxSplitSumRows {
		return p
	}
	p.KChunk = splitKChunk(groupCount(ConvGroups(variant, p)), ConvK(&p))
	return p
}

// ConvPartLen is the number of partial sums a split-K conv writes (0: p is not split).
func ConvPartLen(p ConvParams) int {
	if ConvSplits(&p) == 1 {
		return 0
	}
	return int(ConvSplits(&p) * p.Cout * ConvPixels(&p))
}

// ConvSplitSum is the kernel that finishes a split-K conv: binding 0 the partial sums
// (ConvPartLen), 1 the weight (not read), 2 bias, 3 R (read), 4 Y (written), with the
// dispatch's ConvParams.
var ConvSplitSum = Spec{Name: "conv_splitk_sum", Reads: 4, Writes: 1, ParamsSize: 64, Local: [3]uint32{64, 1, 1}}

// ConvSplitSumGroups is the grid of ConvSplitSum for p.
func ConvSplitSumGroups(p ConvParams) [3]uint32 {
	return [3]uint32{(ConvPixels(&p) + 63) / 64, p.Cout, 1}
}

// ConvSplitSumCPU is the CPU reference of ConvSplitSum.
func ConvSplitSumCPU(p ConvParams, part, bias, r, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	ConvBufX, ConvBufBias, ConvBufR, ConvBufY = part, bias, r, y
	for co := uint32(0); co < p.Cout; co++ {
		for m := uint32(0); m < ConvPixels(&p); m++ {
			ConvSplitSumAt(&p, co, m)
		}
	}
	ConvBufX, ConvBufBias, ConvBufR, ConvBufY = nil, nil, nil, nil
}
