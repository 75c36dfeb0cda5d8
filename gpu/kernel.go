package gpu

import (
	"fmt"

	vk "github.com/goki/vulkan"

	"github.com/sdgo/sdgo/kernels"
)

// Kernel is a compute pipeline built from a kernel's embedded SPIR-V.
type Kernel struct {
	Spec     kernels.Spec
	module   vk.ShaderModule
	setLay   vk.DescriptorSetLayout
	layout   vk.PipelineLayout
	pipeline vk.Pipeline
}

// Kernel returns the pipeline for spec, creating it on first use.
func (d *Device) Kernel(spec kernels.Spec) (*Kernel, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if k, ok := d.kernels[spec.Name]; ok {
		return k, nil
	}
	code, err := kernels.SPIRV(spec.Name)
	if err != nil {
		return nil, err
	}
	if spec.ParamsSize > d.Info.MaxPushConstants {
		return nil, fmt.Errorf("kernel %s: %d bytes of params exceed the device's %d bytes of push constants", spec.Name, spec.ParamsSize, d.Info.MaxPushConstants)
	}
	k := &Kernel{Spec: spec}
	if err := k.create(d, code); err != nil {
		k.destroy(d)
		return nil, fmt.Errorf("kernel %s: %w", spec.Name, err)
	}
	d.kernels[spec.Name] = k
	return k, nil
}

func (k *Kernel) create(d *Device, code []byte) error {
	words := make([]uint32, len(code)/4)
	for i := range words {
		words[i] = uint32(code[4*i]) | uint32(code[4*i+1])<<8 | uint32(code[4*i+2])<<16 | uint32(code[4*i+3])<<24
	}
	module, r := d.createModule(words)
	if err := vkCheck(r, "create shader module"); err != nil {
		return err
	}
	k.module = module
	track("shader module", 1)
	n := k.bindings()
	types := make([]vk.DescriptorType, n)
	for i := range types {
		types[i] = k.descriptorType(i)
	}
	setLay, r := d.createSetLayout(types)
	if err := vkCheck(r, "create descriptor set layout"); err != nil {
		return err
	}
	k.setLay = setLay
	track("descriptor set layout", 1)
	layout, r := d.createPipelineLayout(k.setLay, k.Spec.ParamsSize)
	if err := vkCheck(r, "create pipeline layout"); err != nil {
		return err
	}
	k.layout = layout
	track("pipeline layout", 1)
	pipeline, r := d.createComputePipeline(k.module, k.layout)
	if err := vkCheck(r, "create compute pipeline"); err != nil {
		return err
	}
	k.pipeline = pipeline
	track("pipeline", 1)
	return nil
}

// bindings is the kernel's number of bindings: its own, and the work queue's after
// them if it has one.
func (k *Kernel) bindings() int {
	if k.Spec.Queue {
		return k.Spec.Reads + k.Spec.Writes + 1
	}
	return k.Spec.Reads + k.Spec.Writes
}

// descriptorType is the descriptor type of binding i: a uniform texel buffer where the
// Spec says so, else a storage buffer.
func (k *Kernel) descriptorType(i int) vk.DescriptorType {
	if k.Spec.Texels&(1<<i) != 0 {
		return vk.DescriptorTypeUniformTexelBuffer
	}
	return vk.DescriptorTypeStorageBuffer
}

func (k *Kernel) destroy(d *Device) {
	if k.pipeline != nil {
		vk.DestroyPipeline(d.dev, k.pipeline, nil)
		track("pipeline", -1)
	}
	if k.layout != nil {
		vk.DestroyPipelineLayout(d.dev, k.layout, nil)
		track("pipeline layout", -1)
	}
	if k.setLay != nil {
		vk.DestroyDescriptorSetLayout(d.dev, k.setLay, nil)
		track("descriptor set layout", -1)
	}
	if k.module != nil {
		vk.DestroyShaderModule(d.dev, k.module, nil)
		track("shader module", -1)
	}
}
