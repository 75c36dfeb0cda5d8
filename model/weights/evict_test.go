package weights

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEvictKeepsContents checks that evicting a tensor's pages leaves its values readable.
func TestEvictKeepsContents(t *testing.T) {
	m, err := Load("../../testdata/fixtures/models/tiny-sd1.fp16.safetensors", Options{Config: "../../testdata/fixtures/models/tiny-sd1"})
	require.NoError(t, err)
	defer m.Close()
	for _, name := range m.UNet.Names()[:20] {
		tt, err := m.UNet.Tensor(name)
		require.NoError(t, err)
		before, err := tt.Float32()
		require.NoError(t, err)
		tt.Evict()
		after, err := tt.Float32()
		require.NoError(t, err)
		require.Equal(t, before, after, name)
	}
}
