// Package qrcode draws text as a QR code in SVG on the server, so that a page
// can show one without JavaScript and without sending the text to anyone.
package qrcode
