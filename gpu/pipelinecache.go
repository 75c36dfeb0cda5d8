package gpu

import (
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	vk "github.com/goki/vulkan"
)

// pipelineCache is a VkPipelineCache persisted per device and driver in the user's
// cache folder ($SDGO_CACHE_DIR, else the OS user cache dir /sdgo), so a second process
// skips most pipeline compilation. Any failure to read or write it only costs speed.
type pipelineCache struct {
	handle vk.PipelineCache
	path   string
}

func cacheDir() string {
	if dir := os.Getenv("SDGO_CACHE_DIR"); dir != "" {
		return dir
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "sdgo")
}

func openPipelineCache(d *Device) *pipelineCache {
	c := &pipelineCache{}
	if dir := cacheDir(); dir != "" {
		in := d.Info
		c.path = filepath.Join(dir, fmt.Sprintf("pipelines-%04x-%04x-%x.bin", in.VendorID, in.DeviceID, in.PipelineCacheUUID))
	}
	var data []byte
	if c.path != "" {
		data, _ = os.ReadFile(c.path)
	}
	handle, r := d.createCache(data)
	if r != vk.Success {
		// An unusable cache file: start empty.
		if handle, r = d.createCache(nil); r != vk.Success {
			c.handle = vk.NullPipelineCache
			return c
		}
	}
	c.handle = handle
	track("pipeline cache", 1)
	return c
}

// close saves the cache (write to a temporary file, then rename) and destroys it.
func (c *pipelineCache) close(d *Device) {
	if c.handle == vk.NullPipelineCache {
		return
	}
	defer func() {
		vk.DestroyPipelineCache(d.dev, c.handle, nil)
		track("pipeline cache", -1)
		c.handle = vk.NullPipelineCache
	}()
	if c.path == "" {
		return
	}
	var n uint64
	if vk.GetPipelineCacheData(d.dev, c.handle, &n, nil) != vk.Success || n == 0 {
		return
	}
	data := make([]byte, n)
	if vk.GetPipelineCacheData(d.dev, c.handle, &n, unsafe.Pointer(&data[0])) != vk.Success {
		return
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return
	}
	// A temporary file of its own, so that processes closing at once never write into
	// one file that the last to finish then renames into place.
	tmp, err := os.CreateTemp(filepath.Dir(c.path), filepath.Base(c.path)+".*.tmp")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data[:n])
	if cerr := tmp.Close(); werr != nil || cerr != nil || os.Rename(tmp.Name(), c.path) != nil {
		os.Remove(tmp.Name())
	}
}
