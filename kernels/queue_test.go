package kernels

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestQueueGroupsMatchHLSL checks that the queue's HLSL counts out the number of
// workgroups the runtime dispatches (QueueGroups): with fewer, the queue would never
// be reset, with more, it would be reset while workgroups still take tiles.
func TestQueueGroupsMatchHLSL(t *testing.T) {
	src, err := os.ReadFile("shaders/queue.hlsl")
	require.NoError(t, err)
	require.True(t, strings.Contains(string(src), fmt.Sprintf("#define QUEUE_GROUPS %d\n", QueueGroups)), "shaders/queue.hlsl does not define QUEUE_GROUPS as %d", QueueGroups)
}
