print("sxsim")
