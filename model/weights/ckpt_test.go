package weights

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/model/safetensors"
)

// tinySD1AsCkpt rewrites tiny-sd1.fp16.safetensors as a Lightning-style .ckpt: the weights
// under "state_dict" next to a step counter and a callback object, with storages of mixed
// dtypes, the text q_proj weights stored transposed (non-contiguous views) and every
// tensor wrapped as a Parameter.
func tinySD1AsCkpt(t *testing.T, path string) {
	raw, err := safetensors.Open(fixtures + "tiny-sd1.fp16.safetensors")
	require.NoError(t, err)
	defer raw.Close()
	sd := &pDict{}
	for i, name := range raw.Names() {
		info := raw.Info(name)
		key := fmt.Sprint(i)
		var tensor *pTensor
		switch {
		case info.DType == safetensors.I64:
			b, _ := raw.Bytes(name)
			tensor = contiguous(&pStorage{key: key, class: "LongStorage", data: b, numel: info.NumElements()}, info.Shape...)
		case strings.HasSuffix(name, "self_attn.q_proj.weight"):
			v, _ := raw.Float32(name)
			r, c := info.Shape[0], info.Shape[1]
			tr := make([]float32, len(v))
			for i := range r {
				for j := range c {
					tr[j*r+i] = v[i*c+j]
				}
			}
			tensor = &pTensor{storage: f32Storage(key, tr...), shape: info.Shape, strides: []int{1, r}}
		case i%2 == 0:
			v, _ := raw.Float32(name)
			tensor = contiguous(f32Storage(key, v...), info.Shape...)
		default:
			b, _ := raw.Bytes(name)
			tensor = contiguous(&pStorage{key: key, class: "HalfStorage", data: b, numel: info.NumElements()}, info.Shape...)
		}
		tensor.parameter = info.DType != safetensors.I64
		sd.add(name, tensor)
	}
	root := (&pDict{plain: true}).
		add("epoch", 6).
		add("global_step", 470000).
		add("callbacks", (&pDict{plain: true}).add("ModelCheckpoint", &pObject{
			module: "pytorch_lightning.callbacks.model_checkpoint", name: "ModelCheckpoint",
			state: (&pDict{plain: true}).add("monitor", nil).add("best_model_score", 0)})).
		add("state_dict", sd)
	writeTorchFile(t, path, root)
}

func TestCkptMatchesDiffusers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny-sd1.ckpt")
	tinySD1AsCkpt(t, path)
	ckpt := loadTiny(t, path, Options{Config: fixtures + "tiny-sd1"})
	diff := loadTiny(t, fixtures+"tiny-sd1", Options{})
	for _, c := range []Component{TextEncoder, UNet, VAE} {
		requireSameWeights(t, ckpt.Weights(c), diff.Weights(c))
	}
	require.Equal(t, diff.Config, ckpt.Config)
	q, _ := ckpt.TextEncoder.Tensor("text_model.encoder.layers.0.self_attn.q_proj.weight")
	require.NotNil(t, q.strides, "the transposed storage is read through its strides")
}

func TestCkptViews(t *testing.T) {
	s := f32Storage("0", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	root := (&pDict{}).
		add("block", &pTensor{storage: s, offset: 2, shape: []int{2, 2}, strides: []int{2, 1}}).
		add("every_third", &pTensor{storage: s, shape: []int{3}, strides: []int{3}}).
		add("column", &pTensor{storage: s, offset: 1, shape: []int{2, 3}, strides: []int{1, 3}}).
		add("scalar", &pTensor{storage: s, offset: 9, shape: []int{}, strides: []int{}, parameter: true}).
		add("empty", &pTensor{storage: s, offset: 50, shape: []int{0, 4}, strides: []int{4, 1}})
	path := filepath.Join(t.TempDir(), "views.pt")
	writeTorchFile(t, path, root)
	tf, err := openTensorFile(path)
	require.NoError(t, err)
	defer tf.close()
	got := map[string][]float32{}
	for _, tn := range tf.tensors {
		v, err := tn.Float32()
		require.NoError(t, err)
		got[tn.Key] = v
	}
	require.Equal(t, map[string][]float32{
		"block": {2, 3, 4, 5}, "every_third": {0, 3, 6}, "column": {1, 4, 7, 2, 5, 8}, "scalar": {9}, "empty": {},
	}, got)
	col := tf.tensors[2]
	require.Equal(t, "column", col.Key)
	part := make([]float32, 3)
	require.NoError(t, col.ReadFloat32(part, 2)) // a chunk starting mid-row
	require.Equal(t, []float32{7, 2, 5}, part)
	halves := make([]uint16, 2)
	require.NoError(t, col.ReadFloat16(halves, 4))
	require.Equal(t, []uint16{safetensors.FloatToHalf(5), safetensors.FloatToHalf(8)}, halves)
	require.ErrorContains(t, col.ReadFloat32(part, 4), `views.pt: tensor "column": elements [4, 7) outside shape [2 3]`)
}

func TestCkptErrors(t *testing.T) {
	dir := t.TempDir()
	good := (&pDict{}).add("w", contiguous(f32Storage("0", 1, 2, 3, 4), 4))
	cases := []struct {
		name  string
		bytes func() []byte
		want  string
	}{
		{"forbidden-newobj", func() []byte {
			return torchBytes(t, (&pDict{plain: true}).add("x", &pObject{module: "os", name: "system", state: nil}), zip.Store)
		}, "forbidden global os.system"},
		{"forbidden-global", func() []byte {
			return torchBytes(t, (&pDict{plain: true}).add("x", pGlobal{"builtins", "eval"}), zip.Store)
		}, "forbidden global builtins.eval: only tensors, storages and OrderedDict may appear"},
		{"bool-storage", func() []byte {
			return torchBytes(t, (&pDict{}).add("w", contiguous(&pStorage{key: "0", class: "BoolStorage", data: []byte{1}, numel: 1}, 1)), zip.Store)
		}, "storage type torch.BoolStorage is not supported"},
		{"beyond-storage", func() []byte {
			return torchBytes(t, (&pDict{}).add("w", &pTensor{storage: f32Storage("0", 1, 2), offset: 1, shape: []int{2}, strides: []int{1}}), zip.Store)
		}, "tensor of shape [2], strides [1] at offset 1 exceeds its storage of 2 elements"},
		{"short-storage", func() []byte {
			s := f32Storage("0", 1, 2)
			s.numel = 3
			return torchBytes(t, (&pDict{}).add("w", contiguous(s, 2)), zip.Store)
		}, `storage "0": 3 F32 elements need 12 bytes, entry has 8`},
		{"truncated", func() []byte {
			b := torchBytes(t, good, zip.Store)
			return b[:len(b)/2]
		}, "truncated or corrupt PyTorch zip archive"},
		{"compressed", func() []byte { return torchBytes(t, good, zip.Deflate) }, "is compressed"},
		{"no-tensors", func() []byte { return torchBytes(t, (&pDict{plain: true}).add("step", 3), zip.Store) }, "checkpoint contains no tensors"},
		{"not-a-dict", func() []byte { return torchBytes(t, 7, zip.Store) }, "checkpoint holds a int64, not a dict of tensors"},
		{"no-data-pkl", func() []byte {
			b := torchBytes(t, good, zip.Store)
			return []byte(strings.ReplaceAll(string(b), "archive/data.pkl", "archive/data.pkx"))
		}, "zip archive without data.pkl"},
		{"bad-pickle", func() []byte {
			p := pickleRoot(good)
			return torchZip(t, p.Bytes()[:p.Len()-5], p.storages, zip.Store)
		}, "pickle data truncated"},
		{"legacy", func() []byte { return []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9} }, "legacy (pre-1.6, non-zip) PyTorch serialization"},
		{"garbage", func() []byte { return []byte("hello world, not a model") }, "neither a safetensors file nor a PyTorch zip checkpoint"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".ckpt")
			require.NoError(t, os.WriteFile(path, c.bytes(), 0o644))
			_, err := openTensorFile(path)
			require.ErrorContains(t, err, c.want)
			require.ErrorContains(t, err, path, "errors name the file")
		})
	}
}

func FuzzUnpickle(f *testing.F) {
	s := f32Storage("0", 0, 1, 2, 3, 4, 5, 6, 7)
	seeds := []any{
		(&pDict{}).add("a", contiguous(s, 2, 4)).add("b", &pTensor{storage: s, offset: 1, shape: []int{3}, strides: []int{2}, parameter: true}),
		(&pDict{plain: true}).add("state_dict", (&pDict{}).add("x", contiguous(s, 8))).add("cb", &pObject{module: "numpy", name: "dtype", state: 3}),
	}
	for _, root := range seeds {
		f.Add(pickleRoot(root).Bytes())
	}
	f.Fuzz(func(t *testing.T, pkl []byte) {
		root, err := readTorchArchive("fuzz", torchZip(t, pkl, []*pStorage{s}, zip.Store))
		if err != nil {
			return
		}
		tensors, err := torchStateDict("fuzz", root)
		if err != nil {
			return
		}
		for _, tn := range tensors {
			buf := make([]float32, min(tn.NumElements(), 1<<16))
			if err := tn.ReadFloat32(buf, 0); err != nil {
				t.Fatal(err)
			}
		}
	})
}
