#pragma once
// Precompiled for the actor layer only: CAF headers cost ~1.8 s per TU.
#include "caf/all.hpp"
#include "caf/io/all.hpp"
