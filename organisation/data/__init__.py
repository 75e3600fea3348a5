"""The committed unit data of the six regions and the development-time builder of units.csv."""
