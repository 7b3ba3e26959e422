// Command bare is the baseline Noren's load figures are compared with: a
// plain net/http server with nothing else. It reads each POST /api/event
// body and answers 202, as the analytics collector does, and with -page it
// answers every GET with that file compressed once with gzip at start, the
// least a server can do to send a compressed page.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to listen on")
	page := flag.String("page", "", "HTML file to answer every GET with, gzip-compressed once at start")
	flag.Parse()
	http.HandleFunc("POST /api/event", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, 8<<10))
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "ok")
	})
	if *page != "" {
		body, err := gzipFile(*page)
		if err != nil {
			log.Fatal(err)
		}
		length := strconv.Itoa(len(body))
		http.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Encoding", "gzip")
			h.Set("Content-Length", length)
			w.Write(body)
		})
	}
	log.Fatal(http.ListenAndServe(*addr, nil))
}

// gzipFile compresses a file at gzip's default level.
func gzipFile(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
