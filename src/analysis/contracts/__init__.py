"""Data contracts (ODCS v3, data_contracts/*.yaml) and the validation generated from them."""
