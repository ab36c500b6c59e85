// Package umockdevtb is a minimal cgo binding to libumockdev's testbed, for
// the umockdev test tier of package card: it builds a simulated sysfs tree
// that libudev, preloaded by umockdev-wrapper, then reads as if it were the
// real one. It is compiled only with the umockdev build tag.
//
// See https://github.com/martinpitt/umockdev (umockdev.h, UMockdevTestbed).
package umockdevtb
