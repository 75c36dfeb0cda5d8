package weights

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCachedModels(t *testing.T) {
	hub := t.TempDir()
	t.Setenv("HF_HUB_CACHE", hub)
	require.Empty(t, CachedModels())
	snap := filepath.Join(hub, "models--someone--tiny-sd", "snapshots", "abc123")
	require.NoError(t, os.MkdirAll(snap, 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(hub, "models--someone--tiny-sd", "refs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(hub, "models--someone--tiny-sd", "refs", "main"), []byte("abc123\n"), 0o644))
	data, err := os.ReadFile("../../testdata/fixtures/models/tiny-sd1.fp16.safetensors")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(snap, "model.safetensors"), data, 0o644))
	// A cached repo that is not a model (no checkpoint) is not listed.
	require.NoError(t, os.MkdirAll(filepath.Join(hub, "models--someone--dataset", "snapshots", "x"), 0o755))
	require.Equal(t, []string{"someone/tiny-sd"}, CachedModels())
}
