package elements

//go:generate go run ./gen
