// Command bare is the baseline the collector's load figures are compared
// with: a plain net/http server that reads each request's body and answers
// 202, as the collector does, with nothing else.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to listen on")
	flag.Parse()
	http.HandleFunc("POST /api/event", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, 8<<10))
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "ok")
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
