package kernels

// Work queue. lavapipe hands each of its threads an equal, fixed share of a dispatch's
// workgroups (one half each on 2 cores), so a dispatch lasts as long as its slower
// thread, and on a shared machine the cores' speeds differ: the faster one idled for
// ≈ 10% of every large GEMM. The texel kernels for CPU devices (gemm_tex, conv_tex,
// flash_tex) are therefore dispatched as QueueGroups workgroups that each take tile
// after tile from a counter until none is left, so every thread works to the end.
// The counter lives in the device's work queue (two words: the next tile, and the
// workgroups that have finished); the last workgroup to finish sets both back to 0
// for the next dispatch, and a plan zeroes them before its first dispatch. (Forced
// onto a GPU, with SDGO_GEMM_VARIANT=tex say, they give the same results on 64
// workgroups: a test, not a way to run there.)

// QueueGroups is the number of workgroups a queued kernel is dispatched with: at least
// as many as lavapipe has threads (LP_NUM_THREADS, at most 32), so each has one.
const QueueGroups = 64

// QueueGrid returns the workgroup count of a queued kernel.
func QueueGrid() [3]uint32 { return [3]uint32{QueueGroups, 1, 1} }

// The queue's HLSL: a kernel defines QUEUE_BINDING (its Reads+Writes) and includes it.
// QueueTake returns the next tile (lane 0 takes it, the other lanes get it by
// broadcast within the subgroup, which the tiles' own broadcasts already need to hold
// the workgroup's 8 invocations),
// QueueTile turns a tile number into the workgroup id of the grid gx × gy × gz it
// replaces (x fastest, the order in which the grid's workgroups would have run), and
// QueueDone counts the workgroup out: its release barrier orders the workgroup's last
// take before its count, and the last workgroup's acquire barrier orders every count,
// and so every take, before its reset.

//gosl: hlsl queue
/*
[[vk::binding(QUEUE_BINDING, 0)]] RWStructuredBuffer<uint> WorkQueue;
#define QUEUE_GROUPS 64
uint QueueTake(uint lane) {
	uint t = 0;
	if (lane == 0) { InterlockedAdd(WorkQueue[0], 1, t); }
	return WaveReadLaneAt(t, 0);
}
uint3 QueueTile(uint t, uint gx, uint gy) {
	return uint3(t % gx, (t / gx) % gy, t / (gx * gy));
}
void QueueDone(uint lane) {
	if (lane == 0) {
		uint e = 0;
		DeviceMemoryBarrier();
		InterlockedAdd(WorkQueue[1], 1, e);
		if (e == QUEUE_GROUPS - 1) {
			DeviceMemoryBarrier();
			InterlockedExchange(WorkQueue[0], 0, e);
			InterlockedExchange(WorkQueue[1], 0, e);
		}
	}
}
*/
//gosl: end queue
