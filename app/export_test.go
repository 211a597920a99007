package app

// SetScheduleStepHook makes every scheduled run call hook as it starts a
// step ("import", "evaluate", "enforce"), under the pipeline lock: tests
// hold a run there to see what queues behind it.
func SetScheduleStepHook(a *App, hook func(schedule, step string)) {
	a.mu.Lock()
	a.schedules.step = hook
	a.mu.Unlock()
}
