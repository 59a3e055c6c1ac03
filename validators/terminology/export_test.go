package terminology

// GuideUnitsService is the Env service holding a run's *GuideUnits.
const GuideUnitsService = ServiceName + ".guide-units"
