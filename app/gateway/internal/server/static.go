package server

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"sync"

	khttp "github.com/go-kratos/kratos/v2/transport/http"
)

// The default profile images, drawn here so the system needs no image host: /static/avatar/N.png
// and /static/background/N.png for any user id N, picked from a few palettes by id.

var palettes = [...][2]color.RGBA{
	{{0xfe, 0x2c, 0x55, 0xff}, {0xff, 0xb3, 0xc2, 0xff}},
	{{0x25, 0xf4, 0xee, 0xff}, {0xc4, 0xfd, 0xfb, 0xff}},
	{{0x5b, 0x5f, 0xc7, 0xff}, {0xc9, 0xcb, 0xf5, 0xff}},
	{{0xf5, 0x9e, 0x0b, 0xff}, {0xfd, 0xe6, 0x8a, 0xff}},
	{{0x10, 0xb9, 0x81, 0xff}, {0xa7, 0xf3, 0xd0, 0xff}},
	{{0x8b, 0x5c, 0xf6, 0xff}, {0xdd, 0xd6, 0xfe, 0xff}},
	{{0x0e, 0xa5, 0xe9, 0xff}, {0xba, 0xe6, 0xfd, 0xff}},
	{{0x64, 0x74, 0x8b, 0xff}, {0xe2, 0xe8, 0xf0, 0xff}},
}

var (
	avatars     = lazyImages(drawAvatar)
	backgrounds = lazyImages(drawBackground)
)

func registerStatic(srv *khttp.Server) {
	srv.HandleFunc("/static/avatar/{id:[0-9]+}.png", servePNG("/static/avatar/", avatars))
	srv.HandleFunc("/static/background/{id:[0-9]+}.png", servePNG("/static/background/", backgrounds))
}

func servePNG(prefix string, images []func() []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, prefix), ".png"), 10, 64)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		_, _ = w.Write(images[id%uint64(len(images))]())
	}
}

func lazyImages(draw func(fg, bg color.RGBA) image.Image) []func() []byte {
	out := make([]func() []byte, len(palettes))
	for i, p := range palettes {
		out[i] = sync.OnceValue(func() []byte {
			var buf bytes.Buffer
			_ = png.Encode(&buf, draw(p[0], p[1])) // encoding to memory cannot fail
			return buf.Bytes()
		})
	}
	return out
}

// drawAvatar draws a head and shoulders in the light colour on the strong one.
func drawAvatar(strong, light color.RGBA) image.Image {
	const size = 160
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			c := strong
			dx, dy := x-size/2, y-62
			sx, sy := x-size/2, y-size
			if dx*dx+dy*dy < 30*30 || sx*sx/2+sy*sy < 62*62 {
				c = light
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// drawBackground draws a diagonal gradient between the two colours.
func drawBackground(strong, light color.RGBA) image.Image {
	const w, h = 640, 320
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	mix := func(a, b uint8, t int) uint8 { return uint8((int(a)*(w+h-t) + int(b)*t) / (w + h)) }
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := x + y
			img.SetRGBA(x, y, color.RGBA{mix(strong.R, light.R, t), mix(strong.G, light.G, t), mix(strong.B, light.B, t), 0xff})
		}
	}
	return img
}
