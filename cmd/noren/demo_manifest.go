package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/web"
)

// demoManifest is the bundled demo's manifest with site.url set to the
// address the demo answers at, so that its privacy policy names the site
// the visitor is on rather than the port the manifest was written for.
// Served over TLS, it drops the exception that states plain HTTP.
func demoManifest(addr net.Addr, tls bool) (*manifest.Manifest, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(web.DemoManifest, &doc); err != nil {
		return nil, fmt.Errorf("demo manifest: %w", err)
	}
	url := mappingValue(mappingValue(&doc, "site"), "url")
	if url == nil {
		return nil, errors.New("demo manifest: no site.url to set")
	}
	url.Value = demoURL(addr, tls)
	if tls {
		deleteKey(mappingValue(&doc, "security"), "tls_exception")
	}
	data, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, fmt.Errorf("demo manifest: %w", err)
	}
	return manifest.Parse("demo manifest", data)
}

// demoURL is the demo's address as browsers reach it: the demo's domain,
// which resolves to loopback, and the port it listens on.
func demoURL(addr net.Addr, tls bool) string {
	scheme, port := "http", 0
	if tls {
		scheme = "https"
	}
	if a, ok := addr.(*net.TCPAddr); ok {
		port = a.Port
	}
	if port == 0 || (!tls && port == 80) || (tls && port == 443) {
		return scheme + "://" + demoDomain
	}
	return scheme + "://" + net.JoinHostPort(demoDomain, strconv.Itoa(port))
}

// mappingValue is the value of key in the mapping n (or in the mapping a
// document node holds), or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// deleteKey removes key and its value from the mapping n, if it is there.
func deleteKey(n *yaml.Node, key string) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			return
		}
	}
}
