package publicstats

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// noiseSource draws Laplace noise of scale 1/epsilon, once per figure:
// a figure asked for again gets the draw it got before, so that a reader
// who reloads the page, or reads the same day's bar on the next day's
// page, sees the same number and cannot average the noise away.
type noiseSource struct {
	epsilon float64
	random  io.Reader
	// draws maps a figure's name to its noise. It holds the figures of
	// the latest computation of one period only; see keep.
	draws map[string]float64
	used  map[string]bool
}

func newNoiseSource(epsilon float64, random io.Reader) *noiseSource {
	return &noiseSource{epsilon: epsilon, random: random, draws: map[string]float64{}, used: map[string]bool{}}
}

// draw returns the noise of the figure called key.
func (n *noiseSource) draw(key string) (float64, error) {
	n.used[key] = true
	if v, ok := n.draws[key]; ok {
		return v, nil
	}
	v, err := laplace(n.random, 1/n.epsilon)
	if err != nil {
		return 0, err
	}
	n.draws[key] = v
	return v, nil
}

// keep forgets every draw not asked for since the last keep: the
// figures that have left the period, such as the day that dropped out of
// the last 30 days, and the totals of the previous day's page.
func (n *noiseSource) keep() {
	for key := range n.draws {
		if !n.used[key] {
			delete(n.draws, key)
		}
	}
	clear(n.used)
}

// laplace returns a sample of the Laplace distribution of mean 0 and the
// given scale, by inverting its distribution function at a uniform point
// of (-1/2, 1/2) read from random.
func laplace(random io.Reader, scale float64) (float64, error) {
	var b [8]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return 0, fmt.Errorf("publicstats: read noise: %w", err)
	}
	// 53 random bits, offset by half a step, give a uniform point of the
	// open interval (0, 1): never 0, whose logarithm is infinite.
	u := (float64(binary.BigEndian.Uint64(b[:])>>11)+0.5)/(1<<53) - 0.5
	return -scale * math.Copysign(1, u) * math.Log(1-2*math.Abs(u)), nil
}
