# ruff: noqa
# Source: Astropy 8.0.2, astropy/modeling/functional_models.py
# Repository: https://github.com/astropy/astropy (tag v8.0.2)
# URL: https://github.com/astropy/astropy/blob/v8.0.2/astropy/modeling/functional_models.py
# Obtained from: the PyPI distribution astropy-8.0.2 manylinux x86_64 wheel (pip download --no-deps)
# Licence: BSD-3-Clause; full text in LICENSES/astropy.txt
# Changed: each class keeps only its evaluate and fit_deriv methods (and the helper static methods they
#   call), verbatim with their decorators; removed from each class: its base class
#   (Fittable1DModel, Fittable2DModel, _Trigonometric1D, _InverseTrigonometric1D),
#   docstring, Parameter declarations, units/bounding-box/inverse properties and validators;
#   dropped every other class and the astropy imports (units, Parameter, model base classes)
#   that would not resolve here. Added after the imports: the module constants TWOPI and
#   FLOAT_EPSILON (verbatim from the original module) and a stand-in for
#   astropy.units.Quantity (an empty ndarray subclass) so that the isinstance(..., Quantity)
#   tests run.

import types

import numpy as np

# Stand-ins for astropy.units (astropy is not installed here). No argument in this corpus is a
# Quantity, so each isinstance(..., Quantity) below is False, exactly as in astropy for plain arrays.
class Quantity(np.ndarray):
    pass


u = types.SimpleNamespace(Quantity=Quantity)

TWOPI = 2 * np.pi
FLOAT_EPSILON = float(np.finfo(np.float32).tiny)


class Gaussian1D:
    @staticmethod
    def evaluate(x, amplitude, mean, stddev):
        """
        Gaussian1D model function.
        """
        return amplitude * np.exp(-0.5 * (x - mean) ** 2 / stddev**2)

    @staticmethod
    def fit_deriv(x, amplitude, mean, stddev):
        """
        Gaussian1D model function derivatives.
        """
        d_amplitude = np.exp(-0.5 / stddev**2 * (x - mean) ** 2)
        d_mean = amplitude * d_amplitude * (x - mean) / stddev**2
        d_stddev = amplitude * d_amplitude * (x - mean) ** 2 / stddev**3
        return [d_amplitude, d_mean, d_stddev]



class Gaussian2D:
    @staticmethod
    def evaluate(x, y, amplitude, x_mean, y_mean, x_stddev, y_stddev, theta):
        """Two dimensional Gaussian function."""
        cost2 = np.cos(theta) ** 2
        sint2 = np.sin(theta) ** 2
        sin2t = np.sin(2.0 * theta)
        xstd2 = x_stddev**2
        ystd2 = y_stddev**2
        xdiff = x - x_mean
        ydiff = y - y_mean
        a = 0.5 * ((cost2 / xstd2) + (sint2 / ystd2))
        b = 0.5 * ((sin2t / xstd2) - (sin2t / ystd2))
        c = 0.5 * ((sint2 / xstd2) + (cost2 / ystd2))
        return amplitude * np.exp(
            -((a * xdiff**2) + (b * xdiff * ydiff) + (c * ydiff**2))
        )

    @staticmethod
    def fit_deriv(x, y, amplitude, x_mean, y_mean, x_stddev, y_stddev, theta):
        """Two dimensional Gaussian function derivative with respect to parameters."""
        cost = np.cos(theta)
        sint = np.sin(theta)
        cost2 = np.cos(theta) ** 2
        sint2 = np.sin(theta) ** 2
        cos2t = np.cos(2.0 * theta)
        sin2t = np.sin(2.0 * theta)
        xstd2 = x_stddev**2
        ystd2 = y_stddev**2
        xstd3 = x_stddev**3
        ystd3 = y_stddev**3
        xdiff = x - x_mean
        ydiff = y - y_mean
        xdiff2 = xdiff**2
        ydiff2 = ydiff**2
        a = 0.5 * ((cost2 / xstd2) + (sint2 / ystd2))
        b = 0.5 * ((sin2t / xstd2) - (sin2t / ystd2))
        c = 0.5 * ((sint2 / xstd2) + (cost2 / ystd2))
        g = amplitude * np.exp(-((a * xdiff2) + (b * xdiff * ydiff) + (c * ydiff2)))
        da_dtheta = sint * cost * ((1.0 / ystd2) - (1.0 / xstd2))
        da_dx_stddev = -cost2 / xstd3
        da_dy_stddev = -sint2 / ystd3
        db_dtheta = (cos2t / xstd2) - (cos2t / ystd2)
        db_dx_stddev = -sin2t / xstd3
        db_dy_stddev = sin2t / ystd3
        dc_dtheta = -da_dtheta
        dc_dx_stddev = -sint2 / xstd3
        dc_dy_stddev = -cost2 / ystd3
        dg_dA = g / amplitude
        dg_dx_mean = g * ((2.0 * a * xdiff) + (b * ydiff))
        dg_dy_mean = g * ((b * xdiff) + (2.0 * c * ydiff))
        dg_dx_stddev = g * (
            -(
                da_dx_stddev * xdiff2
                + db_dx_stddev * xdiff * ydiff
                + dc_dx_stddev * ydiff2
            )
        )
        dg_dy_stddev = g * (
            -(
                da_dy_stddev * xdiff2
                + db_dy_stddev * xdiff * ydiff
                + dc_dy_stddev * ydiff2
            )
        )
        dg_dtheta = g * (
            -(da_dtheta * xdiff2 + db_dtheta * xdiff * ydiff + dc_dtheta * ydiff2)
        )
        return [dg_dA, dg_dx_mean, dg_dy_mean, dg_dx_stddev, dg_dy_stddev, dg_dtheta]



class Shift:
    @staticmethod
    def evaluate(x, offset):
        """One dimensional Shift model function."""
        return x + offset

    @staticmethod
    def fit_deriv(x, *params):
        """One dimensional Shift model derivative with respect to parameter."""
        d_offset = np.ones_like(x)
        return [d_offset]



class Scale:
    @staticmethod
    def evaluate(x, factor):
        """One dimensional Scale model function."""
        if isinstance(factor, u.Quantity):
            factor = factor.value

        return factor * x

    @staticmethod
    def fit_deriv(x, *params):
        """One dimensional Scale model derivative with respect to parameter."""
        d_factor = x
        return [d_factor]



class Multiply:
    @staticmethod
    def evaluate(x, factor):
        """One dimensional multiply model function."""
        return factor * x

    @staticmethod
    def fit_deriv(x, *params):
        """One dimensional multiply model derivative with respect to parameter."""
        d_factor = x
        return [d_factor]



class RedshiftScaleFactor:
    @staticmethod
    def evaluate(x, z):
        """One dimensional RedshiftScaleFactor model function."""
        return (1 + z) * x

    @staticmethod
    def fit_deriv(x, z):
        """One dimensional RedshiftScaleFactor model derivative."""
        d_z = x
        return [d_z]



class Sine1D:
    @staticmethod
    def evaluate(x, amplitude, frequency, phase):
        """One dimensional Sine model function."""
        # Note: If frequency and x are quantities, they should normally have
        # inverse units, so that argument ends up being dimensionless. However,
        # np.sin of a dimensionless quantity will crash, so we remove the
        # quantity-ness from argument in this case (another option would be to
        # multiply by * u.rad but this would be slower overall).
        argument = TWOPI * (frequency * x + phase)
        if isinstance(argument, Quantity):
            argument = argument.value
        return amplitude * np.sin(argument)

    @staticmethod
    def fit_deriv(x, amplitude, frequency, phase):
        """One dimensional Sine model derivative."""
        d_amplitude = np.sin(TWOPI * frequency * x + TWOPI * phase)
        d_frequency = (
            TWOPI * x * amplitude * np.cos(TWOPI * frequency * x + TWOPI * phase)
        )
        d_phase = TWOPI * amplitude * np.cos(TWOPI * frequency * x + TWOPI * phase)
        return [d_amplitude, d_frequency, d_phase]



class Cosine1D:
    @staticmethod
    def evaluate(x, amplitude, frequency, phase):
        """One dimensional Cosine model function."""
        # Note: If frequency and x are quantities, they should normally have
        # inverse units, so that argument ends up being dimensionless. However,
        # np.sin of a dimensionless quantity will crash, so we remove the
        # quantity-ness from argument in this case (another option would be to
        # multiply by * u.rad but this would be slower overall).
        argument = TWOPI * (frequency * x + phase)
        if isinstance(argument, Quantity):
            argument = argument.value
        return amplitude * np.cos(argument)

    @staticmethod
    def fit_deriv(x, amplitude, frequency, phase):
        """One dimensional Cosine model derivative."""
        d_amplitude = np.cos(TWOPI * frequency * x + TWOPI * phase)
        d_frequency = -(
            TWOPI * x * amplitude * np.sin(TWOPI * frequency * x + TWOPI * phase)
        )
        d_phase = -(TWOPI * amplitude * np.sin(TWOPI * frequency * x + TWOPI * phase))
        return [d_amplitude, d_frequency, d_phase]



class Tangent1D:
    @staticmethod
    def evaluate(x, amplitude, frequency, phase):
        """One dimensional Tangent model function."""
        # Note: If frequency and x are quantities, they should normally have
        # inverse units, so that argument ends up being dimensionless. However,
        # np.sin of a dimensionless quantity will crash, so we remove the
        # quantity-ness from argument in this case (another option would be to
        # multiply by * u.rad but this would be slower overall).
        argument = TWOPI * (frequency * x + phase)
        if isinstance(argument, Quantity):
            argument = argument.value
        return amplitude * np.tan(argument)

    @staticmethod
    def fit_deriv(x, amplitude, frequency, phase):
        """One dimensional Tangent model derivative."""
        sec = 1 / (np.cos(TWOPI * frequency * x + TWOPI * phase)) ** 2

        d_amplitude = np.tan(TWOPI * frequency * x + TWOPI * phase)
        d_frequency = TWOPI * x * amplitude * sec
        d_phase = TWOPI * amplitude * sec
        return [d_amplitude, d_frequency, d_phase]



class ArcSine1D:
    @staticmethod
    def evaluate(x, amplitude, frequency, phase):
        """One dimensional ArcSine model function."""
        # Note: If frequency and x are quantities, they should normally have
        # inverse units, so that argument ends up being dimensionless. However,
        # np.sin of a dimensionless quantity will crash, so we remove the
        # quantity-ness from argument in this case (another option would be to
        # multiply by * u.rad but this would be slower overall).

        argument = x / amplitude
        if isinstance(argument, Quantity):
            argument = argument.value
        arc_sine = np.arcsin(argument) / TWOPI

        return (arc_sine - phase) / frequency

    @staticmethod
    def fit_deriv(x, amplitude, frequency, phase):
        """One dimensional ArcSine model derivative."""
        d_amplitude = -x / (
            TWOPI * frequency * amplitude**2 * np.sqrt(1 - (x / amplitude) ** 2)
        )
        d_frequency = (phase - (np.arcsin(x / amplitude) / TWOPI)) / frequency**2
        d_phase = -1 / frequency * np.ones(x.shape)
        return [d_amplitude, d_frequency, d_phase]



class ArcCosine1D:
    @staticmethod
    def evaluate(x, amplitude, frequency, phase):
        """One dimensional ArcCosine model function."""
        # Note: If frequency and x are quantities, they should normally have
        # inverse units, so that argument ends up being dimensionless. However,
        # np.sin of a dimensionless quantity will crash, so we remove the
        # quantity-ness from argument in this case (another option would be to
        # multiply by * u.rad but this would be slower overall).

        argument = x / amplitude
        if isinstance(argument, Quantity):
            argument = argument.value
        arc_cos = np.arccos(argument) / TWOPI

        return (arc_cos - phase) / frequency

    @staticmethod
    def fit_deriv(x, amplitude, frequency, phase):
        """One dimensional ArcCosine model derivative."""
        d_amplitude = x / (
            TWOPI * frequency * amplitude**2 * np.sqrt(1 - (x / amplitude) ** 2)
        )
        d_frequency = (phase - (np.arccos(x / amplitude) / TWOPI)) / frequency**2
        d_phase = -1 / frequency * np.ones(x.shape)
        return [d_amplitude, d_frequency, d_phase]



class ArcTangent1D:
    @staticmethod
    def evaluate(x, amplitude, frequency, phase):
        """One dimensional ArcTangent model function."""
        # Note: If frequency and x are quantities, they should normally have
        # inverse units, so that argument ends up being dimensionless. However,
        # np.sin of a dimensionless quantity will crash, so we remove the
        # quantity-ness from argument in this case (another option would be to
        # multiply by * u.rad but this would be slower overall).

        argument = x / amplitude
        if isinstance(argument, Quantity):
            argument = argument.value
        arc_cos = np.arctan(argument) / TWOPI

        return (arc_cos - phase) / frequency

    @staticmethod
    def fit_deriv(x, amplitude, frequency, phase):
        """One dimensional ArcTangent model derivative."""
        d_amplitude = -x / (
            TWOPI * frequency * amplitude**2 * (1 + (x / amplitude) ** 2)
        )
        d_frequency = (phase - (np.arctan(x / amplitude) / TWOPI)) / frequency**2
        d_phase = -1 / frequency * np.ones(x.shape)
        return [d_amplitude, d_frequency, d_phase]



class Linear1D:
    @staticmethod
    def evaluate(x, slope, intercept):
        """One dimensional Line model function."""
        return slope * x + intercept

    @staticmethod
    def fit_deriv(x, *params):
        """One dimensional Line model derivative with respect to parameters."""
        d_slope = x
        d_intercept = np.ones_like(x)
        return [d_slope, d_intercept]



class Planar2D:
    @staticmethod
    def evaluate(x, y, slope_x, slope_y, intercept):
        """Two dimensional Plane model function."""
        return slope_x * x + slope_y * y + intercept

    @staticmethod
    def fit_deriv(x, y, *params):
        """Two dimensional Plane model derivative with respect to parameters."""
        d_slope_x = x
        d_slope_y = y
        d_intercept = np.ones_like(x)
        return [d_slope_x, d_slope_y, d_intercept]



class Lorentz1D:
    @staticmethod
    def evaluate(x, amplitude, x_0, fwhm):
        """One dimensional Lorentzian model function."""
        return amplitude * ((fwhm / 2.0) ** 2) / ((x - x_0) ** 2 + (fwhm / 2.0) ** 2)

    @staticmethod
    def fit_deriv(x, amplitude, x_0, fwhm):
        """One dimensional Lorentzian model derivative with respect to parameters."""
        gamma = fwhm / 2.0
        denom = gamma**2 + (x - x_0) ** 2
        d_amplitude = gamma**2 / denom
        d_x_0 = amplitude * gamma**2 * 2 * (x - x_0) / denom**2
        d_fwhm = amplitude * gamma * (x - x_0) ** 2 / denom**2
        return [d_amplitude, d_x_0, d_fwhm]



class Lorentz2D:
    @staticmethod
    def evaluate(x, y, amplitude, x_0, y_0, fwhm):
        """Two dimensional Lorentzian model function."""
        return amplitude * (
            ((fwhm / 2.0) ** 2) / ((x - x_0) ** 2 + (y - y_0) ** 2 + (fwhm / 2.0) ** 2)
        )

    @staticmethod
    def fit_deriv(x, y, amplitude, x_0, y_0, fwhm):
        """Two dimensional Lorentzian model derivative with respect to parameters."""
        gamma = fwhm / 2.0
        r2 = (x - x_0) ** 2 + (y - y_0) ** 2
        denom = gamma**2 + r2
        denom2 = denom**2
        d_amplitude = gamma**2 / denom
        d_x_0 = amplitude * gamma**2 * 2 * (x - x_0) / denom2
        d_y_0 = amplitude * gamma**2 * 2 * (y - y_0) / denom2
        d_fwhm = (amplitude * (fwhm / 2) * r2) / denom2
        return [d_amplitude, d_x_0, d_y_0, d_fwhm]



class Const1D:
    @staticmethod
    def evaluate(x, amplitude):
        """One dimensional Constant model function."""
        if amplitude.size == 1:
            # This is slightly faster than using ones_like and multiplying
            x = np.empty_like(amplitude, shape=x.shape, dtype=x.dtype)
            x.fill(amplitude.item())
        else:
            # This case is less likely but could occur if the amplitude
            # parameter is given an array-like value
            x = amplitude * np.ones_like(x, subok=False)

        if isinstance(amplitude, Quantity):
            return Quantity(x, unit=amplitude.unit, copy=False, subok=True)
        return x

    @staticmethod
    def fit_deriv(x, amplitude):
        """One dimensional Constant model derivative with respect to parameters."""
        d_amplitude = np.ones_like(x)
        return [d_amplitude]



class Moffat1D:
    @staticmethod
    def evaluate(x, amplitude, x_0, gamma, alpha):
        """One dimensional Moffat model function."""
        return amplitude * (1 + ((x - x_0) / gamma) ** 2) ** (-alpha)

    @staticmethod
    def fit_deriv(x, amplitude, x_0, gamma, alpha):
        """One dimensional Moffat model derivative with respect to parameters."""
        fac = 1 + (x - x_0) ** 2 / gamma**2
        d_A = fac ** (-alpha)
        d_x_0 = 2 * amplitude * alpha * (x - x_0) * d_A / (fac * gamma**2)
        d_gamma = 2 * amplitude * alpha * (x - x_0) ** 2 * d_A / (fac * gamma**3)
        d_alpha = -amplitude * d_A * np.log(fac)
        return [d_A, d_x_0, d_gamma, d_alpha]



class Moffat2D:
    @staticmethod
    def evaluate(x, y, amplitude, x_0, y_0, gamma, alpha):
        """Two dimensional Moffat model function."""
        rr_gg = ((x - x_0) ** 2 + (y - y_0) ** 2) / gamma**2
        return amplitude * (1 + rr_gg) ** (-alpha)

    @staticmethod
    def fit_deriv(x, y, amplitude, x_0, y_0, gamma, alpha):
        """Two dimensional Moffat model derivative with respect to parameters."""
        rr_gg = ((x - x_0) ** 2 + (y - y_0) ** 2) / gamma**2
        d_A = (1 + rr_gg) ** (-alpha)
        d_x_0 = 2 * amplitude * alpha * d_A * (x - x_0) / (gamma**2 * (1 + rr_gg))
        d_y_0 = 2 * amplitude * alpha * d_A * (y - y_0) / (gamma**2 * (1 + rr_gg))
        d_alpha = -amplitude * d_A * np.log(1 + rr_gg)
        d_gamma = 2 * amplitude * alpha * d_A * rr_gg / (gamma * (1 + rr_gg))
        return [d_A, d_x_0, d_y_0, d_gamma, d_alpha]



class KingProjectedAnalytic1D:
    @staticmethod
    def _core_func(x, r_core, r_tide, power=1):
        return (
            1.0 / np.sqrt(x**2 + r_core**2) ** power
            - 1.0 / np.sqrt(r_tide**2 + r_core**2) ** power
        )

    @staticmethod
    def _filter(x, r_tide, result):
        """Set invalid r values to 0"""
        bounds = (x >= r_tide) | (x < 0)
        result[bounds] = result[bounds] * 0.0

    def evaluate(self, x, amplitude, r_core, r_tide):
        """
        Analytic King model function.
        """
        result = amplitude * r_core**2 * self._core_func(x, r_core, r_tide) ** 2
        self._filter(x, r_tide, result)

        return result

    def fit_deriv(self, x, amplitude, r_core, r_tide):
        """
        Analytic King model function derivatives.
        """
        d_amplitude = r_core**2 * self._core_func(x, r_core, r_tide) ** 2
        self._filter(x, r_tide, d_amplitude)

        d_r_core = (
            -2.0
            * amplitude
            * r_core**3
            * self._core_func(x, r_core, r_tide, power=3)
            * self._core_func(x, r_core, r_tide)
            + 2 * amplitude * r_core * self._core_func(x, r_core, r_tide) ** 2
        )
        self._filter(x, r_tide, d_r_core)

        d_r_tide = (
            2 * amplitude * r_core**2 * r_tide * self._core_func(x, r_core, r_tide)
        ) / (r_core**2 + r_tide**2) ** (3 / 2)
        self._filter(x, r_tide, d_r_tide)

        return [d_amplitude, d_r_core, d_r_tide]



class Logarithmic1D:
    @staticmethod
    def evaluate(x, amplitude, tau):
        return amplitude * np.log(x / tau)

    @staticmethod
    def fit_deriv(x, amplitude, tau):
        d_amplitude = np.log(x / tau)
        d_tau = np.zeros(x.shape) - (amplitude / tau)
        return [d_amplitude, d_tau]



class Exponential1D:
    @staticmethod
    def evaluate(x, amplitude, tau):
        return amplitude * np.exp(x / tau)

    @staticmethod
    def fit_deriv(x, amplitude, tau):
        """Derivative with respect to parameters."""
        d_amplitude = np.exp(x / tau)
        d_tau = -amplitude * (x / tau**2) * np.exp(x / tau)
        return [d_amplitude, d_tau]
