module github.com/sdgo/sdgo

go 1.26.0

require github.com/stretchr/testify v1.12.1

require (
	github.com/goki/gosl v1.0.17 // indirect
	github.com/goki/ki v1.1.11 // indirect
	github.com/goki/mat32 v1.0.18 // indirect
	github.com/goki/vgpu v1.0.34 // indirect
	github.com/goki/vulkan v1.0.8 // indirect
	github.com/spf13/pflag v1.1.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/exp v0.0.0-20230321023759-10a507213a29 // indirect
	golang.org/x/image v0.11.0 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/telemetry v0.0.0-20261009151841-97e8ea77aa2a // indirect
	golang.org/x/tools v0.52.0 // indirect
)

tool (
	github.com/goki/gosl
	golang.org/x/tools/cmd/goimports
)
