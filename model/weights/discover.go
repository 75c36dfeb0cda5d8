package weights

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Source is a resolved model location.
type Source struct {
	Path      string // a checkpoint file or a diffusers folder
	Diffusers bool   // Path is a diffusers folder (model_index.json, unet/, vae/, ...)
}

// hubRef matches a Hugging Face repo id with an optional @revision and path inside the
// repo: "org/name", "org/name@rev", "org/name/file.safetensors".
var hubRef = regexp.MustCompile(`^([\w.-]+)/([\w.-]+)(?:@([\w.-]+))?(?:/(.+))?$`)

// Discover resolves ref to a model on this machine: a checkpoint file, a diffusers folder,
// or a Hugging Face repo id found in the local cache ($HF_HUB_CACHE, $HF_HOME/hub,
// $XDG_CACHE_HOME/huggingface/hub or ~/.cache/huggingface/hub; models--org--name/
// snapshots/<rev>, with the revision read from refs/main unless ref says "@rev").
// Nothing is downloaded; the error says where it looked.
func Discover(ref string) (Source, error) {
	if st, err := os.Stat(ref); err == nil {
		if !st.IsDir() {
			return Source{Path: ref}, nil
		}
		return folderSource(ref)
	}
	m := hubRef.FindStringSubmatch(ref)
	if m == nil || strings.HasPrefix(ref, ".") {
		return Source{}, fmt.Errorf("model %q not found: no such file or folder", ref)
	}
	repo := filepath.Join(hubCache(), "models--"+m[1]+"--"+m[2])
	snapshot, err := hubSnapshot(repo, m[3])
	if err != nil {
		return Source{}, fmt.Errorf("model %q not found: no such file or folder, and not in the Hugging Face cache (looked in %s): %w", ref, repo, err)
	}
	if m[4] != "" {
		return Discover(filepath.Join(snapshot, m[4]))
	}
	return folderSource(snapshot)
}

// folderSource accepts a diffusers folder, or a folder (such as a hub snapshot) holding
// exactly one checkpoint file.
func folderSource(dir string) (Source, error) {
	if fileExists(filepath.Join(dir, "model_index.json")) {
		return Source{Path: dir, Diffusers: true}, nil
	}
	var files []string
	for _, pattern := range []string{"*.safetensors", "*.ckpt"} {
		found, _ := filepath.Glob(filepath.Join(dir, pattern))
		files = append(files, found...)
	}
	switch len(files) {
	case 0:
		return Source{}, fmt.Errorf("%s: not a model folder: no model_index.json and no .safetensors or .ckpt file", dir)
	case 1:
		return Source{Path: files[0]}, nil
	}
	slices.Sort(files)
	return Source{}, fmt.Errorf("%s: several checkpoints (%s); name one of them", dir, strings.Join(files, ", "))
}

// hubCache returns the Hugging Face hub cache folder, as huggingface_hub chooses it.
func hubCache() string {
	if d := os.Getenv("HF_HUB_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("HF_HOME"); d != "" {
		return filepath.Join(d, "hub")
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "huggingface", "hub")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "huggingface", "hub")
}

// hubSnapshot returns the snapshot folder of a cached repo for a revision: a ref name
// (default "main") resolved through refs/, or a commit hash naming a snapshot directly.
func hubSnapshot(repo, rev string) (string, error) {
	if rev == "" {
		rev = "main"
	}
	if b, err := os.ReadFile(filepath.Join(repo, "refs", rev)); err == nil {
		rev = strings.TrimSpace(string(b))
	}
	dir := filepath.Join(repo, "snapshots", rev)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("no snapshot %s", dir)
	}
	return dir, nil
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// CachedModels lists the Hugging Face repo ids in the local cache that look like
// Stable Diffusion models (a cached diffusers model_index.json or a single checkpoint
// file in their main snapshot), for callers that were given no model.
func CachedModels() []string {
	dirs, _ := filepath.Glob(filepath.Join(hubCache(), "models--*--*"))
	var ids []string
	for _, dir := range dirs {
		id := strings.Replace(strings.TrimPrefix(filepath.Base(dir), "models--"), "--", "/", 1)
		snap, err := hubSnapshot(dir, "")
		if err != nil {
			continue
		}
		if _, err := folderSource(snap); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}
