package main

import (
	"bytes"
	"os"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("signals", func() {
	It("cancel the run on the first, and end the process on the second even if the run is stuck", func() {
		sigs := make(chan os.Signal, 2)
		cancelled := make(chan struct{})
		exited := make(chan int, 1)
		var stderr bytes.Buffer
		go interrupts(sigs, func() { close(cancelled) }, &stderr, func(code int) { exited <- code })
		sigs <- os.Interrupt
		Eventually(cancelled, time.Second).Should(BeClosed())
		Consistently(exited, 100*time.Millisecond).ShouldNot(Receive(), "one signal lets the run finish its reports")
		sigs <- syscall.SIGTERM
		Eventually(exited, time.Second).Should(Receive(Equal(exitInterrupted)))
	})
})
