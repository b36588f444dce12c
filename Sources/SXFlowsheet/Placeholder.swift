import SXModel
