package gpu

import (
	"errors"
	"fmt"
	"sync"

	vk "github.com/goki/vulkan"
)

// Errors callers can test for with errors.Is.
var (
	// ErrNoVulkan: the Vulkan loader or a driver is missing.
	ErrNoVulkan = errors.New("no Vulkan driver available")
	// ErrOutOfDeviceMemory: the device could not allocate the memory asked for.
	ErrOutOfDeviceMemory = errors.New("out of device memory")
	// ErrDeviceLost: the driver lost the device (a fault or a timeout in a kernel).
	ErrDeviceLost = errors.New("device lost")
)

// vkCheck turns a Vulkan result into an error naming the call, with advice for the
// results a user can act on.
func vkCheck(r vk.Result, what string) error {
	switch r {
	case vk.Success:
		return nil
	case vk.ErrorOutOfDeviceMemory, vk.ErrorOutOfHostMemory:
		return fmt.Errorf("%s: %w (use a smaller image size or batch, fp16 weights, or --vae-tiling)", what, ErrOutOfDeviceMemory)
	case vk.ErrorDeviceLost:
		return fmt.Errorf("%s: %w (the driver reset the GPU: a kernel faulted or ran too long; try a smaller size or another driver)", what, ErrDeviceLost)
	case vk.ErrorIncompatibleDriver, vk.ErrorInitializationFailed:
		return fmt.Errorf("%s: %w: %v (install a Vulkan 1.1 driver; without a GPU, Mesa's lavapipe: scripts/setup.sh)", what, ErrNoVulkan, vk.Error(r))
	}
	return fmt.Errorf("%s: %v", what, vk.Error(r))
}

// objectCount counts live Vulkan objects created by this package, by kind, so tests can
// prove that Close releases everything.
var objectCount struct {
	sync.Mutex
	n map[string]int
}

func track(kind string, delta int) {
	objectCount.Lock()
	defer objectCount.Unlock()
	if objectCount.n == nil {
		objectCount.n = map[string]int{}
	}
	objectCount.n[kind] += delta
	if objectCount.n[kind] == 0 {
		delete(objectCount.n, kind)
	}
}

// LiveObjects returns the Vulkan objects this package has created and not yet destroyed,
// by kind (all devices together).
func LiveObjects() map[string]int {
	objectCount.Lock()
	defer objectCount.Unlock()
	out := map[string]int{}
	for k, v := range objectCount.n {
		out[k] = v
	}
	return out
}
