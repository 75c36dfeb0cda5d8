package weights

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/sdgo/sdgo/model/safetensors"
)

// tensorFile is one opened weights file: its tensors under their names in the file
// (Tensor.Name == Tensor.Key) and the function that releases the mapping.
type tensorFile struct {
	path    string
	tensors []*Tensor
	close   func() error
}

// openTensorFile opens a safetensors file or a PyTorch zip checkpoint (its state dict).
func openTensorFile(path string) (*tensorFile, error) {
	torch, err := isTorchFile(path)
	if err != nil {
		return nil, err
	}
	if !torch {
		return openSafetensors(path)
	}
	root, unmap, err := openTorchFile(path)
	if err != nil {
		return nil, err
	}
	tensors, err := torchStateDict(path, root)
	if err != nil {
		unmap()
		return nil, err
	}
	return &tensorFile{path: path, tensors: tensors, close: unmap}, nil
}

// isTorchFile tells a PyTorch zip archive from a safetensors file by content rather than
// by extension, and refuses anything else.
func isTorchFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 9)
	n, err := io.ReadFull(f, head)
	if err != nil && n == 0 {
		return false, fmt.Errorf("%s: empty or unreadable file: %w", path, err)
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return true, nil
	case head[0] == 0x80:
		return false, fmt.Errorf("%s: legacy (pre-1.6, non-zip) PyTorch serialization is not supported; re-save it with a current torch.save or convert it to safetensors", path)
	case n == 9 && head[8] == '{':
		return false, nil
	}
	return false, fmt.Errorf("%s: neither a safetensors file nor a PyTorch zip checkpoint", path)
}

func openSafetensors(path string) (*tensorFile, error) {
	sf, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	tf := &tensorFile{path: path, close: sf.Close}
	for _, name := range sf.Names() {
		info := sf.Info(name)
		data, err := sf.Bytes(name)
		if err != nil {
			sf.Close()
			return nil, err
		}
		tf.tensors = append(tf.tensors, &Tensor{Name: name, Key: name, File: path, Shape: info.Shape, DType: info.DType, data: data})
	}
	return tf, nil
}

// mapFile maps a whole file read-only and returns the mapping and its release function.
func mapFile(path string) ([]byte, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if st.Size() == 0 {
		return nil, nil, fmt.Errorf("%s: empty file", path)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: mmap: %w", path, err)
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}
