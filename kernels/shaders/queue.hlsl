#ifndef __QUEUE_HLSL__
#define __QUEUE_HLSL__


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
#endif // __QUEUE_HLSL__
