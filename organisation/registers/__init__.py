"""The shared registers: the expert pool (专家人才库) and the liaison register (联络员制度)."""
