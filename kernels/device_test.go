package kernels_test

import (
	"os"
	"sync"
	"testing"

	"github.com/sdgo/sdgo/gpu"
)

// benchDev is the Vulkan device the kernel benchmarks run on, opened once.
var benchDev struct {
	sync.Once
	d   *gpu.Device
	err error
}

// device opens the benchmark device ($SDGO_DEVICE or the best one) on first use.
func device(tb testing.TB) *gpu.Device {
	benchDev.Do(func() {
		benchDev.d, benchDev.err = gpu.Open(os.Getenv("SDGO_DEVICE"))
		if benchDev.err == nil {
			tb.Logf("device: %s (%s)", benchDev.d.Info.Name, benchDev.d.Info.Driver)
		}
	})
	if benchDev.err != nil {
		tb.Fatalf("kernel benchmarks need a Vulkan device (scripts/setup.sh installs lavapipe): %v", benchDev.err)
	}
	return benchDev.d
}
