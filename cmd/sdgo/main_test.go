package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUnknownCommandAndHelp(t *testing.T) {
	code, _, stderr := runCLI("frobnicate")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, `unknown command "frobnicate"`)
	code, stdout, _ := runCLI("help")
	require.Equal(t, 0, code)
	require.Contains(t, stdout, "devices")
	require.Contains(t, stdout, "check")
}

func TestDevices(t *testing.T) {
	code, stdout, stderr := runCLI("devices")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "max storage buffer")
	require.Contains(t, stdout, "subgroup")
	code, stdout, _ = runCLI("devices", "--json")
	require.Equal(t, 0, code)
	var infos []map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &infos))
	require.NotEmpty(t, infos)
	require.Contains(t, infos[0], "MaxStorageBufferRange")
	code, _, stderr = runCLI("devices", "--bogus")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "bogus")
}

func TestCheck(t *testing.T) {
	t.Setenv("SDGO_CACHE_DIR", t.TempDir())
	code, stdout, stderr := runCLI("check", "--kernel", "axpy")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "axpy")
	require.Regexp(t, `[1-9]\d* passed, 0 skipped, 0 failed`, stdout)
	code, stdout, stderr = runCLI("check", "--kernel", "flash_cm")
	require.Equal(t, 0, code, stderr)
	require.Regexp(t, `\d+ passed, \d+ skipped, 0 failed`, stdout)
	code, _, stderr = runCLI("check", "--kernel", "no-such-kernel")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "no kernel matches")
	code, _, stderr = runCLI("check", "--device", "no-such-device")
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "no Vulkan device named like")
}

func TestMakeCheckpoint(t *testing.T) {
	out := t.TempDir() + "/tiny.safetensors"
	code, stdout, stderr := runCLI("make-checkpoint", "--arch", "tiny-sd1", "-o", out)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "wrote "+out)
	require.FileExists(t, out)
	code, _, stderr = runCLI("make-checkpoint", "--arch", "sdxl", "-o", out)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "--arch")
	code, _, stderr = runCLI("make-checkpoint")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "--output")
}
